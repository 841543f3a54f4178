import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { ReplicationService } from './replication.service';

/** Continuous replicas of every database with Litestream (DBFORGE_REPLICA_URL), and restores from them. */
@Module({
  imports: [CatalogModule],
  providers: [ReplicationService],
  exports: [ReplicationService],
})
export class ReplicationModule {}
