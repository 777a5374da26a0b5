import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';

/**
 * In-process token buckets, one per key (here: the client IP). Each bucket holds up to `capacity` tokens and
 * regains one every `refillMs`. Only the embedded mode relies on this being the whole truth; with several API
 * processes each has its own buckets, and the per-user lockout (in the database) is what holds across them.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity: number,
    private readonly refillMs: number,
    private readonly maxKeys = 50_000,
  ) {}

  private current(key: string, nowMs: number) {
    const b = this.buckets.get(key);
    if (!b) return { tokens: this.capacity, at: nowMs };
    const regained = Math.floor((nowMs - b.at) / this.refillMs);
    if (regained <= 0) return b;
    const tokens = Math.min(this.capacity, b.tokens + regained);
    // a full bucket forgets its partial refill; otherwise keep the remainder towards the next token
    return { tokens, at: tokens === this.capacity ? nowMs : b.at + regained * this.refillMs };
  }

  /** Milliseconds until the key may act again; 0 when it has a token now. */
  waitMs(key: string, nowMs: number): number {
    const b = this.current(key, nowMs);
    return b.tokens >= 1 ? 0 : Math.max(1, b.at + this.refillMs - nowMs);
  }

  /** Spends one token (the bucket may go empty, never negative). */
  take(key: string, nowMs: number): void {
    const b = this.current(key, nowMs);
    if (this.buckets.size >= this.maxKeys && !this.buckets.has(key)) this.evictFull(nowMs);
    this.buckets.set(key, { tokens: Math.max(0, b.tokens - 1), at: b.at });
  }

  /** Memory stays bounded under a spray of addresses: full buckets carry no information and go first. */
  private evictFull(nowMs: number) {
    for (const key of this.buckets.keys()) {
      if (this.current(key, nowMs).tokens >= this.capacity) this.buckets.delete(key);
    }
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
  }
}

/**
 * Failed logins per client IP: 30 in a burst, then one more every 20 s (≈180 an hour). Only failures spend a
 * token, so a class of 30 pupils behind one school NAT logging in at 8:00 is never refused, while a password
 * spray over many accounts (which the per-user lockout alone would not stop) is.
 */
export const LOGIN_IP_BURST = 30;
export const LOGIN_IP_REFILL_MS = 20_000;

const loginLimiters = new WeakMap<AppContext, TokenBuckets>();
const loginLimiterOf = (ctx: AppContext) => {
  let l = loginLimiters.get(ctx);
  if (!l) loginLimiters.set(ctx, (l = new TokenBuckets(LOGIN_IP_BURST, LOGIN_IP_REFILL_MS)));
  return l;
};

export function rateLimited(waitMs: number, message: string): AppError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new AppError('RATE_LIMITED', 429, message, { retryAfterSeconds: seconds });
}

/** Refuses a login attempt from an IP that has spent its failures (before any password hashing is done). */
export function assertLoginAllowedFrom(ctx: AppContext, ip: string | undefined): void {
  if (!ip) return;
  const wait = loginLimiterOf(ctx).waitMs(ip, ctx.clock.now().getTime());
  if (wait > 0) throw rateLimited(wait, 'Too many failed logins from your network: try again later');
}

export function recordLoginFailureFrom(ctx: AppContext, ip: string | undefined): void {
  if (ip) loginLimiterOf(ctx).take(ip, ctx.clock.now().getTime());
}
