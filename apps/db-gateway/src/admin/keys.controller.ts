import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyDto, ApiKeyParamsDto, ErrorCode, CreateApiKeyRequestDto, CreatedApiKeyDto, DatabaseNameParamsDto, RevokedApiKeyDto } from '@dbforge/contracts';
import { AdminRoute } from '../auth/access.decorators';
import { ApiKeysService } from '../auth/api-keys.service';
import { ApiErrors } from '../common/api-errors.decorator';

@ApiTags('keys')
@AdminRoute()
@ApiErrors(ErrorCode.INVALID_DATABASE_NAME, ErrorCode.VALIDATION_FAILED, ErrorCode.DATABASE_NOT_FOUND)
@Controller('admin/databases/:db_name/keys')
export class KeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /**
   * Mint a key for one database
   * @remarks Scoped `read` or `read-write`, optionally expiring. The key is in this response only.
   */
  @Post()
  @ApiErrors(ErrorCode.MALFORMED_JSON)
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  mint(@Param() { db_name }: DatabaseNameParamsDto, @Body() request: CreateApiKeyRequestDto): Promise<CreatedApiKeyDto> {
    return this.keys.mint(db_name, request);
  }

  /** List the database's keys (never the keys themselves) */
  @Get()
  @ApiOkResponse({ type: [ApiKeyDto] })
  list(@Param() { db_name }: DatabaseNameParamsDto): ApiKeyDto[] {
    return this.keys.list(db_name);
  }

  /** Revoke a key: it stops working at once */
  @Delete(':key_id')
  @ApiErrors(ErrorCode.API_KEY_NOT_FOUND)
  @ApiOkResponse({ type: RevokedApiKeyDto })
  revoke(@Param() { db_name, key_id }: ApiKeyParamsDto): Promise<RevokedApiKeyDto> {
    return this.keys.revoke(db_name, key_id);
  }
}
