import { Injectable } from '@nestjs/common';
import { DatabaseDetailsWithStorageDto } from '@dbforge/contracts';
import { CatalogService } from '../catalog/catalog.service';
import { DomainError } from '../common/domain.error';
import { DatabaseStorageService } from '../data-plane/database-storage.service';
import { DatabaseLifecycleService } from './database-lifecycle.service';

/** `GET /admin/databases/{db_name}`: the lifecycle's view (worker, file sizes) plus SQLite's figures. */
@Injectable()
export class DatabaseDetailsService {
  constructor(
    private readonly catalog: CatalogService,
    private readonly lifecycle: DatabaseLifecycleService,
    private readonly storage: DatabaseStorageService,
  ) {}

  async describe(name: string): Promise<DatabaseDetailsWithStorageDto> {
    const entry = this.catalog.find(name);
    if (!entry) throw DomainError.databaseNotFound();
    const details = await this.lifecycle.describe(name);
    return { ...details, ...(await this.storage.of(name)) };
  }
}
