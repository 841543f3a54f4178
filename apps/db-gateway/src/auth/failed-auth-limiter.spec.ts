import { FailedAuthLimiter } from './failed-auth-limiter';

describe('FailedAuthLimiter', () => {
  const start = 1_000_000;

  it('lets an address fail its allowance, then makes it wait whatever it presents', () => {
    const limiter = new FailedAuthLimiter(3);
    for (let i = 0; i < 3; i++) {
      expect(limiter.wait('10.0.0.1', start)).toBe(0);
      expect(limiter.fail('10.0.0.1', start)).toBe(0);
    }
    expect(limiter.wait('10.0.0.1', start)).toBe(20);
    expect(limiter.fail('10.0.0.1', start)).toBe(20);
  });

  it('counts each address on its own', () => {
    const limiter = new FailedAuthLimiter(2);
    limiter.fail('10.0.0.1', start);
    limiter.fail('10.0.0.1', start);
    expect(limiter.wait('10.0.0.1', start)).toBeGreaterThan(0);
    expect(limiter.wait('10.0.0.2', start)).toBe(0);
    expect(limiter.wait('::1', start)).toBe(0);
    expect(limiter.fail('10.0.0.2', start)).toBe(0);
  });

  it('refills at the rate per minute', () => {
    const limiter = new FailedAuthLimiter(60);
    for (let i = 0; i < 60; i++) limiter.fail('a', start);
    expect(limiter.wait('a', start)).toBe(1);
    expect(limiter.wait('a', start + 999)).toBe(1);
    expect(limiter.wait('a', start + 1000)).toBe(0);
    expect(limiter.fail('a', start + 1000)).toBe(0);
    expect(limiter.wait('a', start + 1000)).toBe(1);
    expect(limiter.wait('a', start + 61_000)).toBe(0);
  });

  it('does not count a wait as a failure', () => {
    const limiter = new FailedAuthLimiter(1);
    for (let i = 0; i < 5; i++) expect(limiter.wait('b', start)).toBe(0);
    expect(limiter.fail('b', start)).toBe(0);
  });
});
