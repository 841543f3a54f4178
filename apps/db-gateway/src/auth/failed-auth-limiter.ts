import { TokenBuckets } from './token-buckets';

/**
 * Counts failed authentications (an unknown, revoked or expired key) per client address: `perMinute`
 * at once, refilled at `perMinute` a minute. An address past it is refused before its key is even
 * looked at, whichever key it presents next, so rotating keys gains nothing; other addresses are
 * not affected.
 */
export class FailedAuthLimiter {
  private readonly buckets: TokenBuckets;

  constructor(perMinute: number) {
    this.buckets = new TokenBuckets(perMinute / 60, perMinute);
  }

  /** Seconds `address` must wait before presenting a key again (0: it may now). */
  wait(address: string, now = Date.now()): number {
    return this.buckets.wait(address, now);
  }

  /** Counts a failure of `address`: the seconds to wait when it was one too many, else 0. */
  fail(address: string, now = Date.now()): number {
    return this.buckets.take(address, now);
  }
}
