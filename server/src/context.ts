import path from 'node:path';
import type { Config } from './config.ts';
import { createDb, type Db } from './db/database.ts';
import { dialectOf } from './db/dialect.ts';
import { systemClock, type Clock } from './ids.ts';
import { BlobStore } from './storage/blob-store.ts';
import { defaultPdfEngine, withRenderer, type PdfEngine } from './pdf/engine.ts';
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
  /** The PDF engine: every parse, render, mask and final PDF goes through it (pdf/engine.ts). */
  pdf: PdfEngine;
  log: Logger;
}

/** `pdf` replaces the whole engine; `renderer` only its final-PDF rendering (tests inject failing renderers). */
export async function createContext(
  config: Config,
  opts: { clock?: Clock; pdf?: PdfEngine; renderer?: CopyRenderer; log?: Logger } = {},
): Promise<AppContext> {
  const db = createDb({ url: config.databaseUrl });
  const engine = opts.pdf ?? defaultPdfEngine;
  return {
    config,
    db,
    dialect: dialectOf(db),
    blobs: new BlobStore(path.join(config.dataDir, 'blobs')),
    clock: opts.clock ?? systemClock,
    pdf: opts.renderer ? withRenderer(engine, opts.renderer) : engine,
    log: opts.log ?? pino({ level: process.env.LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info') }),
  };
}
