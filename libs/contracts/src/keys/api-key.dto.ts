import { ApiProperty } from '@nestjs/swagger';
import { API_KEY_SCOPES, ApiKeyScope } from './api-key-scope';

/** A database key as listed: never the key itself, which is stored only as a hash. */
export class ApiKeyDto {
  /**
   * @example key_9f2c4a7e1b3d
   */
  id!: string;

  /**
   * @example agent_memory_db
   */
  database!: string;

  @ApiProperty({ enum: API_KEY_SCOPES, example: 'read' })
  scope!: ApiKeyScope;

  @ApiProperty({ type: String, nullable: true, example: 'reporting-service' })
  name!: string | null;

  /**
   * @example 2026-11-28T04:30:00.000Z
   */
  created_at!: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  expires_at!: string | null;
}

/** A key just minted: the only time the key is shown. */
export class CreatedApiKeyDto extends ApiKeyDto {
  /**
   * The key. Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`. It is not shown again.
   * @example dbf_kM3p...
   */
  key!: string;
}

export class RevokedApiKeyDto {
  @ApiProperty({ example: 'API key revoked.' })
  message!: string;

  /**
   * @example key_9f2c4a7e1b3d
   */
  id!: string;
}
