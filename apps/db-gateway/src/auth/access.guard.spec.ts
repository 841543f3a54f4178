import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode } from '@dbforge/contracts';
import { CatalogEntry } from '../catalog/catalog-entry';
import { CatalogService } from '../catalog/catalog.service';
import { DomainError } from '../common/domain.error';
import { statusOf } from '../common/error-status';
import { loadGatewayConfig } from '../config/load-gateway-config';
import { AccessGuard } from './access.guard';
import { AdminRoute, DatabaseRoute, PublicRoute, RequestWithAccess } from './access.decorators';
import { ApiKeyRecord } from './api-key-record';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeysService } from './api-keys.service';

const ADMIN = 'unit-admin-key-0123456789';

/** Routes declared the way the controllers declare them; `undeclared` has no declaration at all. */
class Routes {
  @PublicRoute() greeting(): void {}
  @AdminRoute() listDatabases(): void {}
  undeclared(): void {}
  @DatabaseRoute('read') readRows(): void {}
  @DatabaseRoute('read-write') insertRows(): void {}
  @DatabaseRoute('statement') query(): void {}
}

/** A controller declared admin-only as a whole, with one route that says otherwise. */
@AdminRoute()
class AdminController {
  @PublicRoute() openedUp(): void {}
  inherited(): void {}
}

type Route = keyof Routes | keyof AdminController;

/** Databases by name, each with the identity the keys are minted for. */
class FakeCatalog {
  private readonly entries = new Map<string, CatalogEntry>();
  private spawned = 0;

  spawn(name: string): void {
    const at = new Date().toISOString();
    this.entries.set(name, { id: `db_${name}_${++this.spawned}`, name, status: 'active', createdAt: at, updatedAt: at, workerId: null, runtime: 'embedded' });
  }

  drop(name: string): void {
    this.entries.delete(name);
  }

  find(name: string): CatalogEntry | undefined {
    return this.entries.get(name);
  }

  requireActive(name: string): CatalogEntry {
    const entry = this.entries.get(name);
    if (!entry) throw DomainError.databaseNotFound();
    return entry;
  }
}

class MemoryKeyRepository extends ApiKeyRepository {
  readonly records = new Map<string, ApiKeyRecord>();
  async open(): Promise<ApiKeyRecord[]> {
    return [...this.records.values()];
  }
  async insert(record: ApiKeyRecord): Promise<void> {
    this.records.set(record.id, record);
  }
  async delete(id: string): Promise<void> {
    this.records.delete(id);
  }
  async adopt(): Promise<void> {}
  async close(): Promise<void> {}
}

type Outcome = { passes: boolean; access?: string } | { status: number; code: ErrorCode; message: string; headers: Record<string, string> };

describe('AccessGuard', () => {
  let catalog: FakeCatalog;
  let keys: ApiKeysService;
  let sut: AccessGuard;

  function build(env: Record<string, string> = {}): void {
    const config = loadGatewayConfig(env);
    catalog = new FakeCatalog();
    catalog.spawn('alpha');
    catalog.spawn('beta');
    keys = new ApiKeysService(new MemoryKeyRepository(), catalog as unknown as CatalogService, config);
    sut = new AccessGuard(new Reflector(), keys, config);
  }

  async function mint(database: string, scope: 'read' | 'read-write', expiresInSeconds?: number): Promise<{ id: string; key: string }> {
    return keys.mint(database, { scope, expires_in_seconds: expiresInSeconds });
  }

  /** What the caller sees: let through (with the access granted) or the error the gateway answers with. */
  function call(route: Route, headers: Record<string, string> = {}, options: { database?: string; ip?: string } = {}): Outcome {
    const request = { headers, ip: options.ip ?? '10.0.0.1', params: options.database ? { db_name: options.database } : {} } as unknown as RequestWithAccess;
    const controller = route in Routes.prototype ? Routes : AdminController;
    const handler = (controller.prototype as unknown as Record<string, () => void>)[route];
    const context = { getHandler: () => handler, getClass: () => controller, switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
    try {
      return { passes: sut.canActivate(context), access: request.dbforgeAccess };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { status: statusOf(error.code), code: error.code, message: error.message, headers: error.headers };
    }
  }

  const passes = (access?: string): Outcome => ({ passes: true, access });
  const refused = (status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): Outcome => ({ status, code, message, headers });
  const noKey = refused(401, ErrorCode.UNAUTHENTICATED, 'An API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>".');
  const invalidKey = refused(403, ErrorCode.INVALID_API_KEY, 'The API key is not valid (unknown, revoked or expired).');
  const adminOnly = refused(403, ErrorCode.INSUFFICIENT_SCOPE, 'A database key cannot call admin endpoints; use the admin key.');
  const otherDatabase = refused(403, ErrorCode.INSUFFICIENT_SCOPE, 'This API key belongs to another database.');
  const readOnly = refused(403, ErrorCode.INSUFFICIENT_SCOPE, 'This API key may only read.');

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-03-01T12:00:00.000Z') });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('open mode (no DBFORGE_ADMIN_KEY)', () => {
    beforeEach(() => build());

    it('lets every request through, with or without a key, and grants full access', async () => {
      const { key } = await mint('alpha', 'read');
      for (const route of ['listDatabases', 'undeclared', 'readRows', 'insertRows', 'query'] as const) {
        expect(call(route, {}, { database: 'alpha' })).toEqual(passes());
        expect(call(route, { 'x-api-key': 'made-up-key' }, { database: 'beta' })).toEqual(passes());
        expect(call(route, { authorization: `Bearer ${key}` }, { database: 'beta' })).toEqual(passes());
      }
    });
  });

  describe('keyed mode (DBFORGE_ADMIN_KEY set)', () => {
    beforeEach(() => build({ DBFORGE_ADMIN_KEY: ADMIN }));

    it('leaves public routes open to requests without a key or with an invalid one', () => {
      expect(call('greeting')).toEqual(passes());
      expect(call('greeting', { 'x-api-key': 'made-up-key' })).toEqual(passes());
      expect(call('openedUp')).toEqual(passes());
    });

    it('answers 401 UNAUTHENTICATED without a key, on admin, undeclared and data routes', () => {
      for (const route of ['listDatabases', 'undeclared', 'inherited', 'readRows', 'insertRows', 'query'] as const) {
        expect(call(route, {}, { database: 'alpha' })).toEqual(noKey);
      }
    });

    it('does not take an empty X-API-Key, a Bearer without a space before the key, or another Authorization scheme for a key (401)', () => {
      expect(call('listDatabases', { 'x-api-key': '' })).toEqual(noKey);
      expect(call('listDatabases', { authorization: 'Bearer' })).toEqual(noKey);
      expect(call('listDatabases', { authorization: `Bearer${ADMIN}` })).toEqual(noKey);
      expect(call('listDatabases', { authorization: `Basic ${ADMIN}` })).toEqual(noKey);
      expect(call('listDatabases', { authorization: ADMIN })).toEqual(noKey);
    });

    it('accepts the admin key as a Bearer token (any case) or as X-API-Key, on every route and database', () => {
      for (const headers of [{ authorization: `Bearer ${ADMIN}` }, { authorization: `bearer   ${ADMIN} ` }, { 'x-api-key': ADMIN }] as Record<string, string>[]) {
        for (const route of ['listDatabases', 'undeclared', 'inherited', 'readRows', 'insertRows', 'query'] as const) {
          expect(call(route, headers, { database: 'beta' })).toEqual(passes());
        }
      }
    });

    it('reads the Bearer token first when both headers are sent', () => {
      expect(call('listDatabases', { authorization: 'Bearer made-up-key', 'x-api-key': ADMIN })).toEqual(invalidKey);
      expect(call('listDatabases', { authorization: `Bearer ${ADMIN}`, 'x-api-key': 'made-up-key' })).toEqual(passes());
    });

    it('answers 403 INVALID_API_KEY to an unknown key, or one close to the admin key', () => {
      expect(call('listDatabases', { 'x-api-key': 'made-up-key' })).toEqual(invalidKey);
      expect(call('listDatabases', { 'x-api-key': `${ADMIN}x` })).toEqual(invalidKey);
      expect(call('readRows', { authorization: `Bearer ${ADMIN.slice(1)}` }, { database: 'alpha' })).toEqual(invalidKey);
    });

    it('lets a read-write key of the database in the path read and write it, granting read-write', async () => {
      const { key } = await mint('alpha', 'read-write');
      for (const route of ['readRows', 'insertRows', 'query'] as const) {
        expect(call(route, { 'x-api-key': key }, { database: 'alpha' })).toEqual(passes('read-write'));
      }
    });

    it('lets a read key read and send statements (granting read), but refuses write routes with 403 INSUFFICIENT_SCOPE', async () => {
      const { key } = await mint('alpha', 'read');
      const reader = { authorization: `Bearer ${key}` };
      expect(call('readRows', reader, { database: 'alpha' })).toEqual(passes('read'));
      expect(call('query', reader, { database: 'alpha' })).toEqual(passes('read'));
      expect(call('insertRows', reader, { database: 'alpha' })).toEqual(readOnly);
    });

    it('refuses a database key on another database (names are exact) with 403 INSUFFICIENT_SCOPE', async () => {
      const { key } = await mint('alpha', 'read-write');
      for (const route of ['readRows', 'insertRows', 'query'] as const) {
        expect(call(route, { 'x-api-key': key }, { database: 'beta' })).toEqual(otherDatabase);
      }
      expect(call('readRows', { 'x-api-key': key }, { database: 'Alpha' })).toEqual(otherDatabase);
    });

    it('refuses a database key on admin routes, declared or by default, with 403 INSUFFICIENT_SCOPE', async () => {
      const { key } = await mint('alpha', 'read-write');
      for (const route of ['listDatabases', 'undeclared', 'inherited'] as const) {
        expect(call(route, { 'x-api-key': key }, { database: 'alpha' })).toEqual(adminOnly);
      }
    });

    it('stops accepting a key once it is revoked', async () => {
      const { id, key } = await mint('alpha', 'read');
      expect(call('readRows', { 'x-api-key': key }, { database: 'alpha' })).toEqual(passes('read'));
      await keys.revoke('alpha', id);
      expect(call('readRows', { 'x-api-key': key }, { database: 'alpha' })).toEqual(invalidKey);
    });

    it('stops accepting a key when it expires', async () => {
      const { key } = await mint('alpha', 'read', 60);
      jest.advanceTimersByTime(59_999);
      expect(call('readRows', { 'x-api-key': key }, { database: 'alpha' })).toEqual(passes('read'));
      jest.advanceTimersByTime(1);
      expect(call('readRows', { 'x-api-key': key }, { database: 'alpha' })).toEqual(invalidKey);
    });

    it('does not accept the key of a database that was deleted, even once one of the same name is spawned', async () => {
      const { key } = await mint('alpha', 'read-write');
      catalog.drop('alpha');
      expect(call('readRows', { 'x-api-key': key }, { database: 'alpha' })).toEqual(invalidKey);
      catalog.spawn('alpha');
      expect(call('readRows', { 'x-api-key': key }, { database: 'alpha' })).toEqual(invalidKey);
    });
  });

  describe('failed authentication, limited per client address (DBFORGE_AUTH_FAILURES_PER_MINUTE)', () => {
    const tooMany = (seconds: number) =>
      refused(429, ErrorCode.RATE_LIMITED, `Too many invalid API keys from this address; retry in ${seconds} s.`, { 'Retry-After': String(seconds) });

    it('answers 429 with Retry-After past the allowance, whichever key the address presents next, until it refills', async () => {
      build({ DBFORGE_ADMIN_KEY: ADMIN, DBFORGE_AUTH_FAILURES_PER_MINUTE: '3' });
      const { key } = await mint('alpha', 'read');
      expect(call('listDatabases', { 'x-api-key': 'guess-1' })).toEqual(invalidKey);
      expect(call('listDatabases', { authorization: 'Bearer guess-2' })).toEqual(invalidKey);
      expect(call('readRows', { 'x-api-key': `${key}x` }, { database: 'alpha' })).toEqual(invalidKey);

      // 3 a minute: the next one is allowed in 20 s, and a right key tells the address nothing meanwhile.
      expect(call('listDatabases', { 'x-api-key': 'guess-4' })).toEqual(tooMany(20));
      expect(call('listDatabases', { 'x-api-key': ADMIN })).toEqual(tooMany(20));
      expect(call('readRows', { 'x-api-key': key }, { database: 'alpha' })).toEqual(tooMany(20));
      jest.advanceTimersByTime(15_000);
      expect(call('listDatabases', { 'x-api-key': ADMIN })).toEqual(tooMany(5));

      // Requests without a key are not guesses, public routes stay open, other addresses are not affected.
      expect(call('listDatabases')).toEqual(noKey);
      expect(call('greeting', { 'x-api-key': 'guess-5' })).toEqual(passes());
      expect(call('listDatabases', { 'x-api-key': ADMIN }, { ip: '10.0.0.2' })).toEqual(passes());
      expect(call('listDatabases', { 'x-api-key': 'guess-6' }, { ip: '10.0.0.2' })).toEqual(invalidKey);

      jest.advanceTimersByTime(4_999);
      expect(call('listDatabases', { 'x-api-key': ADMIN })).toEqual(tooMany(1));
      jest.advanceTimersByTime(1);
      expect(call('listDatabases', { 'x-api-key': ADMIN })).toEqual(passes());
      expect(call('readRows', { 'x-api-key': key }, { database: 'alpha' })).toEqual(passes('read'));
    });

    it('does not count valid keys refused for their scope, requests without a key, or bad keys on public routes', async () => {
      build({ DBFORGE_ADMIN_KEY: ADMIN, DBFORGE_AUTH_FAILURES_PER_MINUTE: '1' });
      const { key } = await mint('alpha', 'read');
      for (let i = 0; i < 5; i++) {
        expect(call('insertRows', { 'x-api-key': key }, { database: 'alpha' })).toEqual(readOnly);
        expect(call('listDatabases', { 'x-api-key': key })).toEqual(adminOnly);
        expect(call('listDatabases')).toEqual(noKey);
        expect(call('greeting', { 'x-api-key': `guess-${i}` })).toEqual(passes());
      }
      expect(call('listDatabases', { 'x-api-key': 'guess' })).toEqual(invalidKey);
      expect(call('listDatabases', { 'x-api-key': ADMIN })).toEqual(tooMany(60));
    });

    it('is off with DBFORGE_AUTH_FAILURES_PER_MINUTE=0', () => {
      build({ DBFORGE_ADMIN_KEY: ADMIN, DBFORGE_AUTH_FAILURES_PER_MINUTE: '0' });
      for (let i = 0; i < 100; i++) expect(call('listDatabases', { 'x-api-key': `guess-${i}` })).toEqual(invalidKey);
      expect(call('listDatabases', { 'x-api-key': ADMIN })).toEqual(passes());
    });
  });
});
