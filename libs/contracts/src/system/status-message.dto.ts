import { ApiProperty } from '@nestjs/swagger';

export class StatusMessageDto {
  @ApiProperty({ example: 'Praetorian DB-Forge is online.' })
  message!: string;
}
