import { ApiProperty } from '@nestjs/swagger';
import { ErrorCode } from './error-code.enum';

export class ErrorInfoDto {
  /** Machine-readable error code. */
  @ApiProperty({ enum: ErrorCode, enumName: 'ErrorCode', example: ErrorCode.DATABASE_NOT_FOUND })
  code!: ErrorCode;

  /**
   * Human-readable description, the same text as `detail`.
   */
  @ApiProperty({ example: 'Database not found.' })
  message!: string;

  /**
   * The HTTP status of the response.
   * @example 404
   */
  status!: number;
}

/** The body of every error response. v1 clients read `detail`; newer ones match on `error.code`. */
export class ErrorBodyDto {
  /**
   * Human-readable description (the v1 field).
   */
  @ApiProperty({ example: 'Database not found.' })
  detail!: string;

  error!: ErrorInfoDto;
}
