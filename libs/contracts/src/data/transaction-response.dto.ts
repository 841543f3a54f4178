import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { RowsResponseDto } from './rows-response.dto';
import { WriteResultDto } from './write-result.dto';

@ApiExtraModels(RowsResponseDto, WriteResultDto)
export class TransactionResponseDto {
  /** One result per statement, in order, shaped as /query answers it. */
  @ApiProperty({ type: 'array', items: { oneOf: [{ $ref: getSchemaPath(RowsResponseDto) }, { $ref: getSchemaPath(WriteResultDto) }] } })
  results!: (RowsResponseDto | WriteResultDto)[];
}
