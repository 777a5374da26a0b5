/**
 * Bench data written straight through the repositories and services, in big transactions, before the server
 * under test starts: users with sessions, an exam with correctors, copies with pages moved through the state machine.
 */
import { pino } from 'pino';
import { loadConfig } from '../../src/config.ts';
import { createContext, type Actor, type AppContext } from '../../src/context.ts';
import { migrateToLatest, type Executor } from '../../src/db/database.ts';
import type { CopyStatus } from '../../src/db/schema.ts';
import { SESSION_COOKIE } from '../../src/http/request.ts';
import { iso, newId, randomToken, sha256Hex } from '../../src/ids.ts';
import { insertBlob } from '../../src/repositories/blob.repository.ts';
import { insertCopy, insertPages } from '../../src/repositories/copy.repository.ts';
import { insertScoreIfAbsent } from '../../src/repositories/score.repository.ts';
import { insertSession } from '../../src/repositories/session.repository.ts';
import { insertUser } from '../../src/repositories/user.repository.ts';
import { hashPassword } from '../../src/services/auth.service.ts';
import { transition } from '../../src/services/copy-state-machine.ts';
import { createExam, setCorrectors } from '../../src/services/exam.service.ts';
import type { StoredFile } from '../../src/storage/blob-store.ts';

export async function openContext(dataDir: string, databaseUrl: string): Promise<AppContext> {
  const config = loadConfig({ KORRIGO_DATA_DIR: dataDir }, { databaseUrl, runJobs: false });
  const ctx = await createContext(config, { log: pino({ level: 'silent' }) });
  await migrateToLatest(ctx.db);
  return ctx;
}

export interface SeedUser {
  actor: Actor;
  /** Cookie header value of a live session */
  cookie: string;
}

/**
 * Runs a bench-side query again while PostgreSQL refuses connections (53300 "too many clients"): the server is
 * shared with test runs that open many pools, and a check must not fail for that.
 */
export async function retryBusy<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if ((err as { code?: string }).code !== '53300' || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

let passwordHash: Promise<string> | undefined;

/** Users with one live session each (inserted as login would, without paying argon2 per user). */
export async function seedUsers(ctx: AppContext, prefix: string, n: number, role: 'ADMIN' | 'TEACHER'): Promise<SeedUser[]> {
  passwordHash ??= hashPassword('bench password not used');
  const hash = await passwordHash;
  const now = ctx.clock.now().toISOString();
  const users: SeedUser[] = [];
  await ctx.db.transaction().execute(async (tx) => {
    for (let i = 0; i < n; i++) {
      const id = newId();
      const name = `${prefix}-${String(i).padStart(3, '0')}`;
      await insertUser(tx, {
        id, email: `${name}@bench.test`, display_name: name, role, password_hash: hash, is_active: 1,
        must_change_password: 0, one_time_used_at: null, locked_until: null, created_at: now,
      });
      const token = randomToken();
      await insertSession(tx, {
        id: sha256Hex(token), user_id: id, created_at: now, last_seen_at: now,
        expires_at: iso(ctx.clock, 4 * 3600_000), ip: null, user_agent: 'korrigo-bench',
      });
      users.push({ actor: { id, role, displayName: name }, cookie: `${SESSION_COOKIE}=${token}` });
    }
  });
  return users;
}

export async function seedExam(ctx: AppContext, admin: Actor, correctors: Actor[], pagesPerCopy: number) {
  const exam = await createExam(ctx, admin, {
    title: 'Bench — contrôle de mathématiques',
    pagesPerCopy,
    questions: [
      { label: 'Exercice 1', children: [{ label: '1a', maxPoints: 400 }, { label: '1b', maxPoints: 600 }] },
      { label: 'Exercice 2', children: [{ label: '2a', maxPoints: 500 }, { label: '2b', maxPoints: 500 }] },
      { label: 'Exercice 3', maxPoints: 1000 },
    ],
  } as Parameters<typeof createExam>[2]);
  if (correctors.length) await setCorrectors(ctx, admin, exam.id, correctors.map((c) => c.id));
  return exam;
}

export interface CopySpec {
  code: string;
  status: Extract<CopyStatus, 'STAGING' | 'READY' | 'LOCKED' | 'GRADED'>;
  assignedTo?: string | null;
  studentId?: string | null;
  /** image blobs of the pages, in order (already written to the blob store) */
  pages: StoredFile[];
  /** LOCKED / GRADED: who submitted */
  submitter?: string;
  /** GRADED: the final PDF blob and score */
  final?: { file: StoredFile; score: number };
  scores?: Array<{ questionId: string; maxPoints: number; points: number }>;
}

/** Copies with their pages, walked through the state machine to their status, one transaction per `chunk`. */
export async function seedCopies(ctx: AppContext, examId: string, specs: CopySpec[], chunk = 500): Promise<string[]> {
  const ids: string[] = [];
  const blobsDone = new Set<string>();
  for (let start = 0; start < specs.length; start += chunk) {
    await ctx.db.transaction().execute(async (tx) => {
      for (const spec of specs.slice(start, start + chunk)) ids.push(await seedCopy(ctx, tx, examId, spec, blobsDone));
    });
  }
  return ids;
}

async function seedCopy(ctx: AppContext, tx: Executor, examId: string, s: CopySpec, blobsDone: Set<string>): Promise<string> {
  const now = ctx.clock.now().toISOString();
  for (const f of [...s.pages, ...(s.final ? [s.final.file] : [])]) {
    if (blobsDone.has(f.id)) continue;
    await insertBlob(tx, f, now);
    blobsDone.add(f.id);
  }
  const id = newId();
  await insertCopy(tx, {
    id, exam_id: examId, anonymous_code: s.code, status: 'STAGING', student_id: s.studentId ?? null,
    assigned_to: s.assignedTo ?? null, locked_by: null, locked_at: null, graded_at: null, final_blob_id: null,
    final_score: null, grading_error: null, flagged: null, merged_into_id: null, created_at: now, updated_at: now,
  });
  await insertPages(
    tx,
    s.pages.map((f, i) => ({ id: newId(), copy_id: id, position: i, booklet_id: null, source_page: i, image_blob_id: f.id, width_px: 248, height_px: 351 })),
  );
  for (const sc of s.scores ?? []) {
    await insertScoreIfAbsent(tx, { copyId: id, questionId: sc.questionId, maxPoints: sc.maxPoints, points: sc.points, comment: null, by: s.submitter!, now });
  }
  if (s.status === 'STAGING') return id;
  await transition(tx, 'validate', id, { actorId: null, now });
  if (s.status === 'READY') return id;
  await transition(tx, 'submit', id, { actorId: s.submitter!, now });
  if (s.status === 'LOCKED') return id;
  await transition(tx, 'finalize', id, { actorId: s.submitter!, now });
  await tx.insertInto('final_pdfs').values({ id: newId(), copy_id: id, blob_id: s.final!.file.id, final_score: s.final!.score, created_at: now }).execute();
  await transition(tx, 'finalizeOk', id, { actorId: null, now }, { blobId: s.final!.file.id, finalScore: s.final!.score });
  return id;
}
