import path from 'node:path';
import type { Config } from './config.ts';
import { createDb, type Db } from './db/database.ts';
import { dialectOf } from './db/dialect.ts';
import { systemClock, type Clock } from './ids.ts';
import { BlobStore } from './storage/blob-store.ts';
import type { CopyRenderer } from './pdf/types.ts';
import { pino, type Logger } from 'pino';

export type Role = 'ADMIN' | 'TEACHER' | 'STUDENT';

/** Who is asking. Every service function opens with an access check on it. */
export interface Actor {
  id: string;
  role: Role;
  displayName: string;
  sessionId?: string;
  ip?: string;
}

/** Everything a service may use; built once per process (or per test). */
export interface AppContext {
  config: Config;
  db: Db;
  dialect: 'sqlite' | 'postgres';
  blobs: BlobStore;
  clock: Clock;
  renderer: CopyRenderer;
  log: Logger;
}

export async function createContext(config: Config, opts: { clock?: Clock; renderer?: CopyRenderer; log?: Logger } = {}): Promise<AppContext> {
  const db = createDb({ url: config.databaseUrl });
  const renderer = opts.renderer ?? (await import('./pdf/renderer.ts')).defaultRenderer;
  return {
    config,
    db,
    dialect: dialectOf(db),
    blobs: new BlobStore(path.join(config.dataDir, 'blobs')),
    clock: opts.clock ?? systemClock,
    renderer,
    log: opts.log ?? pino({ level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info') }),
  };
}
