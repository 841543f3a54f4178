import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { SqliteModule } from '../sqlite/sqlite.module';
import { AccessGuard } from './access.guard';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeysService } from './api-keys.service';
import { ForeignRequestGuard } from './foreign-requests';
import { RateLimitGuard } from './rate-limit.guard';
import { SqliteApiKeyRepository } from './sqlite-api-key.repository';

/** The admin key, database keys, and the rate limiter. The guards are registered app-wide in AppModule. */
@Module({
  imports: [SqliteModule, CatalogModule],
  providers: [ApiKeysService, AccessGuard, RateLimitGuard, ForeignRequestGuard, { provide: ApiKeyRepository, useClass: SqliteApiKeyRepository }],
  exports: [ApiKeysService, AccessGuard, RateLimitGuard, ForeignRequestGuard],
})
export class AuthModule {}
