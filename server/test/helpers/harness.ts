/**
 * Test harness: a fresh database per test file on the engine named by KORRIGO_TEST_DB (sqlite | postgres),
 * a temp data dir, a movable clock, the real HTTP app, and factories that create copies with pages directly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import { createContext, type AppContext } from '../../src/context.ts';
import { migrateToLatest } from '../../src/db/database.ts';
import { buildApp } from '../../src/http/app.ts';
import { newId, type Clock } from '../../src/ids.ts';
import { createUser } from '../../src/services/auth.service.ts';
import { insertBlob } from '../../src/repositories/blob.repository.ts';
import { insertCopy, insertPages } from '../../src/repositories/copy.repository.ts';
import { transition } from '../../src/services/copy-state-machine.ts';
import type { CopyRenderer } from '../../src/pdf/types.ts';
import type { PdfEngine } from '../../src/pdf/engine.ts';
import { tinyJpeg } from './images.ts';
import type { StoredFile } from '../../src/storage/blob-store.ts';

export const engine = (process.env.KORRIGO_TEST_DB ?? 'sqlite') as 'sqlite' | 'postgres';
export const PG_ADMIN_URL = process.env.KORRIGO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export class TestClock implements Clock {
  offsetMs = 0;
  now() {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number) {
    this.offsetMs += ms;
  }
}

export interface TestEnv {
  ctx: AppContext;
  app: FastifyInstance;
  clock: TestClock;
  dataDir: string;
  databaseUrl: string;
  close(): Promise<void>;
}

async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `korrigo_test_${process.pid}_${newId().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function createTestEnv(opts: { renderer?: CopyRenderer; pdf?: PdfEngine; config?: Partial<Config> } = {}): Promise<TestEnv> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'korrigo-test-'));
  let databaseUrl = path.join(dataDir, 'test.sqlite');
  let drop = async () => {};
  if (engine === 'postgres') ({ url: databaseUrl, drop } = await createPgDatabase());
  const clock = new TestClock();
  const config = loadConfig({ KORRIGO_DATA_DIR: dataDir }, { databaseUrl, runJobs: false, ...opts.config });
  const ctx = await createContext(config, { clock, renderer: opts.renderer, pdf: opts.pdf });
  await migrateToLatest(ctx.db);
  const app = await buildApp(ctx);
  await app.ready();
  return {
    ctx,
    app,
    clock,
    dataDir,
    databaseUrl,
    async close() {
      await app.close();
      await ctx.db.destroy();
      await drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ HTTP

export interface Client {
  cookie: string;
  user: { id: string; email: string; role: string; displayName: string };
  req(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Record<string, any>; raw: Buffer }>;
}

export async function login(app: FastifyInstance, email: string, password: string): Promise<Client> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed ${res.statusCode} ${res.body}`);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  return clientFor(app, cookie, res.json().user);
}

export function clientFor(app: FastifyInstance, cookie: string, user: Client['user']): Client {
  return {
    cookie,
    user,
    async req(method, url, body, headers = {}) {
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { cookie, ...headers },
        ...(body !== undefined ? (typeof body === 'string' || Buffer.isBuffer(body) ? { payload: body } : { payload: body as object }) : {}),
      });
      let parsed: unknown = null;
      try {
        parsed = res.body ? JSON.parse(res.body) : null;
      } catch {
        parsed = res.body;
      }
      return { status: res.statusCode, body: parsed, headers: res.headers, raw: res.rawPayload };
    },
  };
}

const PASSWORD = 'correct horse battery';

export async function makeUser(env: TestEnv, role: 'ADMIN' | 'TEACHER' | 'STUDENT', name = `${role.toLowerCase()}-${newId().slice(0, 6)}`) {
  const u = await createUser(env.ctx, { email: `${name}@school.test`, displayName: name, role, password: PASSWORD });
  return login(env.app, u.email, PASSWORD);
}

export const anonymous = (env: TestEnv): Client => clientFor(env.app, '', { id: '', email: '', role: 'ANON', displayName: '' });

// ------------------------------------------------------------------ factories

export async function makeExam(admin: Client, correctors: Client[] = [], body: Record<string, unknown> = {}) {
  const res = await admin.req('POST', '/api/v1/exams', {
    title: 'Maths — contrôle 3',
    pagesPerCopy: 2,
    questions: [
      { label: 'Exercice 1', children: [{ label: '1a', maxPoints: 400 }, { label: '1b', maxPoints: 600 }] },
      { label: 'Exercice 2', maxPoints: 1000 },
    ],
    ...body,
  });
  if (res.status !== 201) throw new Error(`exam ${res.status} ${JSON.stringify(res.body)}`);
  if (correctors.length) {
    const r = await admin.req('PUT', `/api/v1/exams/${res.body.exam.id}/correctors`, { userIds: correctors.map((c) => c.user.id) });
    if (r.status !== 200) throw new Error(`correctors ${r.status} ${JSON.stringify(r.body)}`);
  }
  return res.body.exam as { id: string; questions: { id: string; label: string; maxPoints: number; isLeaf: boolean }[]; maxTotal: number };
}

let codeSeq = 0;
/** A copy with page images, created directly (as the ingest pipeline would), then validated to READY. */
export async function makeCopy(env: TestEnv, examId: string, opts: { pages?: number; status?: 'STAGING' | 'READY' } = {}) {
  const { ctx } = env;
  const id = newId();
  const now = ctx.clock.now().toISOString();
  const img = await tinyJpeg();
  const files: StoredFile[] = [];
  for (let i = 0; i < (opts.pages ?? 2); i++) files.push(await ctx.blobs.put(img.bytes, 'image/jpeg'));
  await ctx.db.transaction().execute(async (tx) => {
    for (const f of files) await insertBlob(tx, f, now);
    await insertCopy(tx, { id, exam_id: examId, anonymous_code: `C${String(++codeSeq).padStart(4, '0')}-${id.slice(0, 4)}`, status: 'STAGING', created_at: now, updated_at: now, student_id: null, assigned_to: null, locked_by: null, locked_at: null, graded_at: null, final_blob_id: null, final_score: null, grading_error: null, flagged: null, merged_into_id: null });
    await insertPages(
      tx,
      files.map((f, i) => ({ id: newId(), copy_id: id, position: i, booklet_id: null, source_page: i, image_blob_id: f.id, width_px: img.width, height_px: img.height })),
    );
    if ((opts.status ?? 'READY') === 'READY') await transition(tx, 'validate', id, { actorId: null, now });
  });
  return id;
}

export const leafIds = (exam: { questions: { id: string; isLeaf: boolean }[] }) => exam.questions.filter((q) => q.isLeaf).map((q) => q.id);

/** Runs `fn` n times concurrently and returns every outcome. */
export const parallel = <T>(n: number, fn: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));

// ------------------------------------------------------------------ real sockets

/** Starts the app on a real port so parallel requests are real concurrent HTTP requests. */
export async function listen(env: TestEnv): Promise<string> {
  const address = await env.app.listen({ port: 0, host: '127.0.0.1' });
  return address;
}

/** The same client over real HTTP (fetch) instead of app.inject. */
export function overHttp(base: string, c: Client): Client {
  return {
    ...c,
    async req(method, url, body, headers = {}) {
      const res = await fetch(base + url, {
        method,
        headers: { cookie: c.cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      const raw = Buffer.from(await res.arrayBuffer());
      let parsed: unknown = null;
      try {
        parsed = raw.length ? JSON.parse(raw.toString()) : null;
      } catch {
        parsed = raw.toString();
      }
      return { status: res.status, body: parsed, headers: Object.fromEntries(res.headers), raw };
    },
  };
}
