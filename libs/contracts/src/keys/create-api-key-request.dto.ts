import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { API_KEY_SCOPES, ApiKeyScope } from './api-key-scope';

export class CreateApiKeyRequestDto {
  /** `read`: statements that only read; `read-write`: everything on this database. */
  @ApiProperty({ enum: API_KEY_SCOPES, example: 'read' })
  @IsIn(API_KEY_SCOPES)
  scope!: ApiKeyScope;

  /**
   * Seconds until the key expires (1 s to 10 years); omitted: it never expires.
   * @example 86400
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10 * 365 * 24 * 3600)
  expires_in_seconds?: number;

  /**
   * A label to recognise the key by.
   * @example reporting-service
   */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[\x20-\x7e]*$/, { message: '$property must be printable ASCII' })
  name?: string;
}
