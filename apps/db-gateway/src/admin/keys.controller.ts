import { Body, Controller, Delete, Get, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiKeyDto, ApiKeyParamsDto, CreateApiKeyRequestDto, CreatedApiKeyDto, DatabaseNameParamsDto, RevokedApiKeyDto } from '@dbforge/contracts';
import { AdminRoute } from '../auth/access.decorators';
import { ApiKeysService } from '../auth/api-keys.service';
import { ApiErrors } from '../common/api-errors.decorator';

@ApiTags('keys')
@AdminRoute()
@ApiErrors(HttpStatus.BAD_REQUEST, HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, HttpStatus.NOT_FOUND)
@Controller('admin/databases/:db_name/keys')
export class KeysController {
  constructor(private readonly keys: ApiKeysService) {}

  /** Mint a key for one database, scoped `read` or `read-write`, optionally expiring. The key is in this response only. */
  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  mint(@Param() { db_name }: DatabaseNameParamsDto, @Body() request: CreateApiKeyRequestDto): Promise<CreatedApiKeyDto> {
    return this.keys.mint(db_name, request);
  }

  /** List the database's keys (never the keys themselves). */
  @Get()
  @ApiOkResponse({ type: [ApiKeyDto] })
  list(@Param() { db_name }: DatabaseNameParamsDto): ApiKeyDto[] {
    return this.keys.list(db_name);
  }

  /** Revoke a key: it stops working at once. */
  @Delete(':key_id')
  @ApiOkResponse({ type: RevokedApiKeyDto })
  revoke(@Param() { db_name, key_id }: ApiKeyParamsDto): Promise<RevokedApiKeyDto> {
    return this.keys.revoke(db_name, key_id);
  }
}
