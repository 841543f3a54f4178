interface Bucket {
  tokens: number;
  at: number;
}

const SWEEP_AT = 10_000;

/** Token buckets per caller: `burst` requests at once, refilled at `perSecond`. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {}

  /** Takes a token for `caller`: 0 when allowed, else the whole seconds to wait. */
  take(caller: string, now = Date.now()): number {
    const bucket = this.buckets.get(caller) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(caller, bucket);
    if (this.buckets.size > SWEEP_AT) this.sweep(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }

  /** The whole seconds until `caller` has a token (0: it has one now), without taking it. */
  wait(caller: string, now = Date.now()): number {
    const bucket = this.buckets.get(caller);
    if (!bucket) return 0;
    const tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.perSecond));
  }

  /** Forgets callers whose bucket has refilled: they are indistinguishable from new ones. */
  private sweep(now: number): void {
    for (const [caller, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(caller);
    }
  }
}
