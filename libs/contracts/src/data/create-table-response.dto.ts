import { ApiProperty } from '@nestjs/swagger';

export class CreateTableResponseDto {
  @ApiProperty({ example: "Table 'users' created successfully." })
  message!: string;
}
