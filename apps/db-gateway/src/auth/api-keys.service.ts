import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ApiKeyDto, CreateApiKeyRequestDto, CreatedApiKeyDto, ErrorCode, RevokedApiKeyDto } from '@dbforge/contracts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CatalogService } from '../catalog/catalog.service';
import { DomainError } from '../common/domain.error';
import { GatewayConfig } from '../config/gateway.config';
import { ApiKeyRecord } from './api-key-record';
import { ApiKeyRepository } from './api-key.repository';
import type { Request } from 'express';
import { presentedKey } from './presented-key';

const IDENTIFIED = Symbol('dbforge.identified');

const sha256 = (text: string) => createHash('sha256').update(text).digest();

export type Principal = { kind: 'open' } | { kind: 'admin' } | { kind: 'database'; key: ApiKeyRecord };

/**
 * The admin key and the database keys. Keys are random (256 bits), shown once, and kept only as
 * SHA-256 hashes; they are found by hash, and the admin key is compared in constant time.
 */
@Injectable()
export class ApiKeysService implements OnModuleInit, OnApplicationShutdown {
  private readonly byHash = new Map<string, ApiKeyRecord>();
  private readonly adminDigest?: Buffer;

  constructor(
    private readonly repository: ApiKeyRepository,
    private readonly catalog: CatalogService,
    private readonly config: GatewayConfig,
  ) {
    this.adminDigest = config.adminKey ? sha256(config.adminKey) : undefined;
  }

  get open(): boolean {
    return this.adminDigest === undefined;
  }

  async onModuleInit(): Promise<void> {
    for (const record of await this.repository.open()) {
      // A key stored before keys carried their database's identity belongs to the database of its name now.
      const entry = record.databaseId ? undefined : this.catalog.find(record.database);
      if (entry) {
        await this.repository.adopt(record.id, entry.id);
        record.databaseId = entry.id;
      }
      this.byHash.set(record.hash, record);
    }
    if (this.config.open) {
      new Logger('Auth').warn(
        `DBFORGE_OPEN=true: the gateway is OPEN on ${this.config.host}, as v1 was. Anyone who can reach it can spawn, prune and query every database. Set DBFORGE_ADMIN_KEY (and unset DBFORGE_OPEN) to require keys.`,
      );
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.repository.close();
  }

  /** Who presents `key`: the admin, a database key, or nobody (unknown, revoked or expired). */
  identify(key: string): Principal | undefined {
    const digest = sha256(key);
    if (this.adminDigest && timingSafeEqual(digest, this.adminDigest)) return { kind: 'admin' };
    const record = this.byHash.get(digest.toString('hex'));
    if (!record || !this.isLive(record)) return undefined;
    return { kind: 'database', key: record };
  }

  /**
   * Who presents the key of `request` (undefined without a key, or with an invalid one), worked out
   * once per request: the rate limiter and the access guard both ask.
   */
  identifyRequest(request: Request): Principal | undefined {
    const known = request as Request & { [IDENTIFIED]?: { principal?: Principal } };
    if (!known[IDENTIFIED]) {
      const key = presentedKey(request);
      known[IDENTIFIED] = { principal: key === undefined ? undefined : this.identify(key) };
    }
    return known[IDENTIFIED].principal;
  }

  /** Whether `key` may see what only an admin may: always in open mode, else only with the admin key. */
  grantsAdmin(key: string | undefined): boolean {
    return this.open || (key !== undefined && this.identify(key)?.kind === 'admin');
  }

  async mint(database: string, request: CreateApiKeyRequestDto): Promise<CreatedApiKeyDto> {
    const entry = this.catalog.requireActive(database);
    const key = `dbf_${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    const record: ApiKeyRecord = {
      id: `key_${randomBytes(6).toString('hex')}`,
      database,
      databaseId: entry.id,
      scope: request.scope,
      name: request.name ?? null,
      hash: sha256(key).toString('hex'),
      createdAt: new Date(now).toISOString(),
      expiresAt: request.expires_in_seconds ? new Date(now + request.expires_in_seconds * 1000).toISOString() : null,
    };
    await this.repository.insert(record);
    this.byHash.set(record.hash, record);
    return { ...describe(record), key };
  }

  list(database: string): ApiKeyDto[] {
    if (!this.catalog.find(database)) throw DomainError.databaseNotFound();
    return [...this.byHash.values()].filter((record) => record.database === database && this.belongsToCurrent(record)).map(describe);
  }

  async revoke(database: string, id: string): Promise<RevokedApiKeyDto> {
    const record = [...this.byHash.values()].find((candidate) => candidate.id === id && candidate.database === database && this.belongsToCurrent(candidate));
    if (!record) throw new DomainError(ErrorCode.API_KEY_NOT_FOUND, `No API key ${id} for database '${database}'.`);
    await this.repository.delete(id);
    this.byHash.delete(record.hash);
    return { message: 'API key revoked.', id };
  }

  /**
   * A key works while the database it was minted for exists: the same identity, not just the same
   * name (a database deleted and spawned anew is another database). One in the trash comes back
   * with its identity, and its keys with it.
   */
  private belongsToCurrent(record: ApiKeyRecord): boolean {
    return record.databaseId !== '' && this.catalog.find(record.database)?.id === record.databaseId;
  }

  private isLive(record: ApiKeyRecord): boolean {
    return this.belongsToCurrent(record) && !(record.expiresAt && Date.parse(record.expiresAt) <= Date.now());
  }
}

function describe(record: ApiKeyRecord): ApiKeyDto {
  return { id: record.id, database: record.database, scope: record.scope, name: record.name, created_at: record.createdAt, expires_at: record.expiresAt };
}
