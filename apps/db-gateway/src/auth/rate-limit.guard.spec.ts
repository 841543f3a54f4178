import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode } from '@dbforge/contracts';
import type { Request } from 'express';
import { DomainError } from '../common/domain.error';
import { statusOf } from '../common/error-status';
import { loadGatewayConfig } from '../config/load-gateway-config';
import { AdminRoute, DatabaseRoute, PublicRoute } from './access.decorators';
import { ApiKeysService, Principal } from './api-keys.service';
import { presentedKey } from './presented-key';
import { RateLimitGuard } from './rate-limit.guard';

const ADMIN = 'unit-admin-key-0123456789';

class Routes {
  @PublicRoute() health(): void {}
  @AdminRoute() listDatabases(): void {}
  @DatabaseRoute('read') readRows(): void {}
  undeclared(): void {}
}

/** Knows the admin key and the database keys the test hands out; any other key is made up. */
class FakeKeys {
  private readonly known = new Map<string, Principal>([[ADMIN, { kind: 'admin' }]]);

  add(key: string, id: string): string {
    const record = { id, database: 'alpha', databaseId: 'db_alpha', scope: 'read' as const, name: null, hash: '', createdAt: '', expiresAt: null };
    this.known.set(key, { kind: 'database', key: record });
    return key;
  }

  identifyRequest(request: Request): Principal | undefined {
    const key = presentedKey(request);
    return key === undefined ? undefined : this.known.get(key);
  }
}

describe('RateLimitGuard', () => {
  let keys: FakeKeys;
  let sut: RateLimitGuard;

  /** 0.5 requests a second, 3 at once, unless the test says otherwise. */
  function build(env: Record<string, string> = {}): void {
    keys = new FakeKeys();
    const config = loadGatewayConfig({ DBFORGE_ADMIN_KEY: ADMIN, DBFORGE_RATE_LIMIT_PER_SECOND: '0.5', DBFORGE_RATE_LIMIT_BURST: '3', ...env });
    sut = new RateLimitGuard(new Reflector(), keys as unknown as ApiKeysService, config);
  }

  /** `passes`, or what the caller is answered: status, code, message and headers. */
  function send(route: keyof Routes, from: { ip?: string; key?: string } = {}): unknown {
    const request = { headers: from.key ? { 'x-api-key': from.key } : {}, ip: from.ip ?? '10.0.0.1', params: { db_name: 'alpha' } };
    const context = {
      getHandler: () => Routes.prototype[route],
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
    try {
      return sut.canActivate(context) ? 'passes' : 'refused without an error';
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { status: statusOf(error.code), code: error.code, message: error.message, headers: error.headers };
    }
  }

  const limited = (seconds: number) => ({
    status: 429,
    code: ErrorCode.RATE_LIMITED,
    message: `Too many requests; retry in ${seconds} s.`,
    headers: { 'Retry-After': String(seconds) },
  });

  /** Spends the whole burst of the caller. */
  function exhaust(from: { ip?: string; key?: string }): void {
    for (let i = 0; i < 3; i++) expect(send('readRows', from)).toBe('passes');
    expect(send('readRows', from)).toEqual(limited(2));
  }

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-03-01T12:00:00.000Z') });
    build();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('lets a caller make the burst at once on any limited route, then answers 429 RATE_LIMITED with Retry-After', () => {
    expect(send('listDatabases')).toBe('passes');
    expect(send('readRows')).toBe('passes');
    expect(send('undeclared')).toBe('passes');
    expect(send('readRows')).toEqual(limited(2));
    expect(send('undeclared')).toEqual(limited(2));
  });

  it('refills at the rate per second, and Retry-After counts down the seconds left, rounded up', () => {
    exhaust({});
    jest.advanceTimersByTime(500);
    expect(send('listDatabases')).toEqual(limited(2));
    jest.advanceTimersByTime(500);
    expect(send('listDatabases')).toEqual(limited(1));
    jest.advanceTimersByTime(999);
    expect(send('listDatabases')).toEqual(limited(1));
    jest.advanceTimersByTime(1);
    expect(send('listDatabases')).toBe('passes');
    expect(send('listDatabases')).toEqual(limited(2));
  });

  it('counts requests without a key per client address', () => {
    exhaust({ ip: '10.0.0.1' });
    exhaust({ ip: '10.0.0.2' });
    expect(send('listDatabases', { ip: '10.0.0.1' })).toEqual(limited(2));
  });

  it('counts made-up keys on the address, however often they change', () => {
    for (let i = 0; i < 3; i++) expect(send('listDatabases', { key: `made-up-${i}` })).toBe('passes');
    expect(send('listDatabases', { key: 'made-up-3' })).toEqual(limited(2));
    expect(send('listDatabases')).toEqual(limited(2));
    expect(send('listDatabases', { ip: '10.0.0.2', key: 'made-up-4' })).toBe('passes');
  });

  it('gives each known database key a bucket of its own, shared by every address it is sent from', () => {
    const first = keys.add('dbf_first', 'key_1');
    const second = keys.add('dbf_second', 'key_2');
    exhaust({ ip: '10.0.0.1' });
    for (let i = 0; i < 3; i++) expect(send('readRows', { ip: `10.0.0.${i + 1}`, key: first })).toBe('passes');
    expect(send('readRows', { ip: '10.0.0.9', key: first })).toEqual(limited(2));
    exhaust({ ip: '10.0.0.1', key: second });
  });

  it('gives the admin key one bucket, whichever address it is sent from, apart from the addresses and the database keys', () => {
    const key = keys.add('dbf_reader', 'key_1');
    exhaust({ ip: '10.0.0.1', key: ADMIN });
    expect(send('listDatabases', { ip: '10.0.0.2', key: ADMIN })).toEqual(limited(2));
    expect(send('listDatabases', { ip: '10.0.0.1' })).toBe('passes');
    expect(send('readRows', { ip: '10.0.0.1', key })).toBe('passes');
  });

  it('never limits public routes, and does not count them', () => {
    for (let i = 0; i < 10; i++) expect(send('health')).toBe('passes');
    exhaust({});
    for (let i = 0; i < 10; i++) expect(send('health', { key: `made-up-${i}` })).toBe('passes');
  });

  it('is off with DBFORGE_RATE_LIMIT_PER_SECOND=0', () => {
    build({ DBFORGE_RATE_LIMIT_PER_SECOND: '0' });
    for (let i = 0; i < 1000; i++) expect(send('listDatabases')).toBe('passes');
  });
});
