import crypto from 'node:crypto';

export const newId = (): string => crypto.randomUUID();
export const randomToken = (bytes = 32): string => crypto.randomBytes(bytes).toString('base64url');
export const sha256Hex = (data: string | Uint8Array): string => crypto.createHash('sha256').update(data).digest('hex');

/** Injectable time source: tests move it to expire leases without sleeping. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
export const iso = (clock: Clock, plusMs = 0): string => new Date(clock.now().getTime() + plusMs).toISOString();
