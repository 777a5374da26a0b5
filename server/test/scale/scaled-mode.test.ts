/**
 * Scaled mode (DESIGN.md §1): two stateless API processes (`serve --no-jobs`) and two job workers (`worker`), all
 * started through the CLI on one PostgreSQL database and one shared data directory. Parallel clients spread their
 * requests over both APIs and run the P0 races; the database must then hold the invariants, and each finalize job
 * must have been done exactly once, by a worker.
 *
 * PostgreSQL only: SQLite is the embedded shape (one process), which every other suite covers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, makeCopy, makeExam, parallel, type Client, type TestEnv } from '../helpers/harness.ts';
import { bootstrapAdmin } from '../../src/services/auth.service.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, loginSpread, startServe, startWorker, type KorrigoProcess } from './processes.ts';

const TEACHERS = 6;
const PASSWORD = 'correct horse battery';
const postgresOnly = engine !== 'postgres';
const onlyPg = '(PostgreSQL only — SQLite is the embedded single-process shape, covered by the other suites)';

type SpreadClient = Awaited<ReturnType<typeof loginSpread>>;

describe(`scaled mode: 2 × serve --no-jobs + 2 × worker on one database [${engine}]`, () => {
  let env: TestEnv;
  const procs: KorrigoProcess[] = [];
  let apis: KorrigoProcess[];
  let workers: KorrigoProcess[];
  let admin: SpreadClient;
  let teachers: SpreadClient[];
  let exam: Awaited<ReturnType<typeof makeExam>>;

  beforeAll(async () => {
    if (postgresOnly) return;
    env = await createTestEnv();
    const pe = { databaseUrl: env.databaseUrl, dataDir: env.dataDir };
    // all four start at once, as an orchestrator would start them: two of them race to create the first admin
    const started = await Promise.allSettled([
      startServe('api-1', pe, { jobs: false }),
      startServe('api-2', pe, { jobs: false }),
      startWorker('worker-1', pe),
      startWorker('worker-2', pe),
    ]);
    for (const s of started) if (s.status === 'fulfilled') procs.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    apis = procs.slice(0, 2);
    workers = procs.slice(2);
    const bases = apis.map((a) => a.url!);

    admin = await loginSpread(bases, ADMIN_EMAIL, ADMIN_PASSWORD);
    const created = await parallel(TEACHERS, async (i) => {
      const email = `scale-teacher-${i}@school.test`;
      const r = await admin.req('POST', '/api/v1/users', { email, displayName: `Teacher ${i}`, role: 'TEACHER', password: PASSWORD });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return email;
    });
    teachers = await Promise.all(created.map((email) => loginSpread(bases, email, PASSWORD)));
    exam = await makeExam(admin, teachers);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await env?.close();
  });

  const lock = (c: Client, copyId: string) => c.req('POST', `/api/v1/copies/${copyId}/lock`);

  it.skipIf(postgresOnly)(`lock storm on one copy across both APIs: exactly one holder and one token ${onlyPg}`, async () => {
    for (let round = 0; round < 5; round++) {
      const copyId = await makeCopy(env, exam.id);
      const results = await parallel(TEACHERS * 4, (i) => lock(teachers[i % TEACHERS]!.via(i % 2 === 0 ? 0 : 1), copyId));
      const wins = results.filter((r) => r.status === 200);
      expect(new Set(wins.map((r) => r.body.owner.id)).size).toBe(1);
      expect(new Set(wins.map((r) => r.body.token)).size).toBe(1);
      for (const r of results.filter((x) => x.status !== 200)) {
        expect(r.status).toBe(409);
        expect(r.body).toMatchObject({ code: 'LOCKED_BY_OTHER', owner: { id: wins[0]!.body.owner.id } });
      }
      const rows = await env.ctx.db.selectFrom('copy_locks').selectAll().where('copy_id', '=', copyId).execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ owner_id: wins[0]!.body.owner.id, token: wins[0]!.body.token });
    }
  });

  /** A copy held by teachers[0], its token header. */
  async function held(copyId: string) {
    const r = await lock(teachers[0]!, copyId);
    expect(r.status).toBe(200);
    return { 'x-lock-token': r.body.token as string };
  }

  it.skipIf(postgresOnly)(`parallel draft saves from tabs on both APIs: one winner per base version ${onlyPg}`, async () => {
    const copyId = await makeCopy(env, exam.id);
    const h = await held(copyId);
    const t = teachers[0]!;
    for (let base = 0; base < 5; base++) {
      const results = await parallel(10, (i) => t.via(i).req('PUT', `/api/v1/copies/${copyId}/draft`, { payload: { base, tab: i }, baseVersion: base, clientId: `tab-${i}` }, h));
      const wins = results.filter((r) => r.status === 200);
      expect(wins).toHaveLength(1);
      expect(wins[0]!.body.version).toBe(base + 1);
      for (const r of results.filter((x) => x.status !== 200)) expect(r.body).toMatchObject({ status: 409, code: 'DRAFT_CONFLICT', current: { version: base + 1 } });
    }
    const row = await env.ctx.db.selectFrom('draft_states').selectAll().where('copy_id', '=', copyId).executeTakeFirstOrThrow();
    expect(row.version).toBe(5);
    expect(JSON.parse(row.payload).base).toBe(4);
  });

  it.skipIf(postgresOnly)(`annotation PATCH and score races across both APIs: one success per version ${onlyPg}`, async () => {
    const copyId = await makeCopy(env, exam.id);
    const h = await held(copyId);
    const t = teachers[0]!;
    const created = await t.req('POST', `/api/v1/copies/${copyId}/annotations`, { pagePosition: 0, x: 0.1, y: 0.1, w: 0.2, h: 0.1, type: 'COMMENT', content: 'v1' }, h);
    expect(created.status).toBe(201);
    const id = created.body.annotation.id;
    const q = leafIds(exam)[0]!;
    expect((await t.req('PUT', `/api/v1/copies/${copyId}/scores/${q}`, { points: 100 }, h)).status).toBe(200);
    for (let version = 1; version <= 4; version++) {
      const [patches, scores] = await Promise.all([
        parallel(8, (i) => t.via(i).req('PATCH', `/api/v1/annotations/${id}`, { version, content: `v${version + 1} tab ${i}` }, h)),
        parallel(8, (i) => t.via(i + 1).req('PUT', `/api/v1/copies/${copyId}/scores/${q}`, { points: 10 * i, version }, h)),
      ]);
      for (const results of [patches, scores]) {
        const wins = results.filter((r) => r.status === 200);
        expect(wins).toHaveLength(1);
        for (const r of results.filter((x) => x.status !== 200)) expect(r.body).toMatchObject({ status: 409, code: 'VERSION_CONFLICT', current: { version: version + 1 } });
      }
      expect(patches.find((r) => r.status === 200)!.body.annotation.version).toBe(version + 1);
      expect(scores.find((r) => r.status === 200)!.body.score.version).toBe(version + 1);
    }
    const a = await env.ctx.db.selectFrom('annotations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(a.version).toBe(5);
    const events = await env.ctx.db.selectFrom('grading_events').select('action').where('copy_id', '=', copyId).execute();
    expect(events.filter((e) => e.action === 'ANNOTATION_UPDATED')).toHaveLength(4);
    expect(events.filter((e) => e.action === 'SCORE_SET')).toHaveLength(5);
  });

  it.skipIf(postgresOnly)(`parallel finalize across both APIs: one job done once by a worker, one FINALIZE_OK, one final PDF ${onlyPg}`, async () => {
    const copies = await Promise.all(Array.from({ length: 4 }, () => makeCopy(env, exam.id)));
    const submitter = teachers[1]!;
    for (const copyId of copies) {
      const r = await lock(submitter, copyId);
      const h = { 'x-lock-token': r.body.token };
      for (const [q, p] of leafIds(exam).map((q, i) => [q, 100 * (i + 1)] as const)) {
        expect((await submitter.req('PUT', `/api/v1/copies/${copyId}/scores/${q}`, { points: p }, h)).status).toBe(200);
      }
      expect((await submitter.req('POST', `/api/v1/copies/${copyId}/submit`, undefined, h)).status).toBe(200);
    }

    // watch which process runs each job while the finalize storm goes on
    const owners = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const rows = await env.ctx.db.selectFrom('jobs').select('lease_owner').where('status', '=', 'RUNNING').execute();
        for (const r of rows) if (r.lease_owner) owners.add(r.lease_owner);
        await new Promise((res) => setTimeout(res, 10));
      }
    })();

    const results = await Promise.all(
      copies.map((copyId) => parallel(12, (i) => (i % 3 === 0 ? submitter : admin).via(i).req('POST', `/api/v1/copies/${copyId}/finalize`))),
    );
    // a job is marked DONE just after the transaction that grades its copy: wait for both
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const open = await env.ctx.db.selectFrom('copies').select('id').where('id', 'in', copies).where('status', '!=', 'GRADED').execute();
      const live = await env.ctx.db.selectFrom('jobs').select('id').where('ref_id', 'in', copies).where('status', 'in', ['QUEUED', 'RUNNING']).execute();
      if (open.length === 0 && live.length === 0) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    watching = false;
    await watch;

    for (const [k, copyId] of copies.entries()) {
      const jobs = await env.ctx.db.selectFrom('jobs').selectAll().where('ref_id', '=', copyId).where('kind', '=', 'FLATTEN_COPY').execute();
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ status: 'DONE', attempts: 1 });
      for (const r of results[k]!) {
        expect([200, 202]).toContain(r.status);
        if (r.status === 202) expect(r.body).toEqual({ status: 'GRADING_IN_PROGRESS', jobId: jobs[0]!.id });
        else expect(r.body).toEqual({ status: 'GRADED' });
      }
      const copy = await env.ctx.db.selectFrom('copies').selectAll().where('id', '=', copyId).executeTakeFirstOrThrow();
      const pdfs = await env.ctx.db.selectFrom('final_pdfs').selectAll().where('copy_id', '=', copyId).execute();
      expect(copy.status).toBe('GRADED');
      expect(pdfs).toHaveLength(1);
      expect(copy.final_blob_id).toBe(pdfs[0]!.blob_id);
      expect(copy.final_score).toBe(600);
      const events = await env.ctx.db.selectFrom('grading_events').select('action').where('copy_id', '=', copyId).execute();
      expect(events.filter((e) => e.action === 'FINALIZE_REQUESTED')).toHaveLength(1);
      expect(events.filter((e) => e.action === 'FINALIZE_OK')).toHaveLength(1);
      const pdf = await admin.req('GET', `/api/v1/copies/${copyId}/final.pdf`);
      expect(pdf.status).toBe(200);
      expect(pdf.raw.subarray(0, 5).toString()).toBe('%PDF-');
    }
    // only the workers run jobs (both APIs run --no-jobs, and this test process runs none)
    expect(owners.size).toBeGreaterThan(0);
    for (const o of owners) expect(workers.map((w) => w.owner)).toContain(o);
  });

  it.skipIf(postgresOnly)(`database invariants after the runs, and every process still up ${onlyPg}`, async () => {
    const db = env.ctx.db;
    const locks = await db.selectFrom('copy_locks').innerJoin('copies', 'copies.id', 'copy_locks.copy_id').select(['copy_locks.copy_id', 'copies.status']).execute();
    expect(new Set(locks.map((l) => l.copy_id)).size).toBe(locks.length);
    for (const l of locks) expect(l.status).toBe('READY');
    expect(await db.selectFrom('copies').select('id').where('status', '=', 'GRADING_IN_PROGRESS').execute()).toEqual([]);
    expect(await db.selectFrom('jobs').select(['id', 'status']).where('status', '!=', 'DONE').execute()).toEqual([]);
    for (const c of await db.selectFrom('copies').selectAll().where('status', '=', 'GRADED').execute()) {
      const pdf = await db.selectFrom('final_pdfs').innerJoin('blobs', 'blobs.id', 'final_pdfs.blob_id').select(['blobs.storage_key', 'final_pdfs.blob_id']).where('final_pdfs.copy_id', '=', c.id).execute();
      expect(pdf.map((p) => p.blob_id)).toContain(c.final_blob_id);
      for (const p of pdf) expect((await env.ctx.blobs.read(p.storage_key)).subarray(0, 5).toString()).toBe('%PDF-');
    }
    for (const s of await db.selectFrom('scores').innerJoin('questions', 'questions.id', 'scores.question_id').select(['scores.points', 'questions.max_points']).execute()) {
      expect(s.points).toBeLessThanOrEqual(s.max_points);
    }
    for (const p of procs) expect(p.child.exitCode, `${p.name} exited:\n${p.output()}`).toBeNull();
  });
});

describe(`scaled mode: API processes starting at once on an empty database [${engine}]`, () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv({ config: { adminEmail: 'first-admin@school.test', adminPassword: PASSWORD } });
  });
  afterAll(() => env.close());

  it('the first-start admin is created once; the other processes go on instead of exiting', async () => {
    // what each `serve` does at start; before the fix every one but the first failed on the unique email
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => bootstrapAdmin(env.ctx)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value !== null)).toHaveLength(1);
    const admins = await env.ctx.db.selectFrom('users').select('email').where('role', '=', 'ADMIN').execute();
    expect(admins).toEqual([{ email: 'first-admin@school.test' }]);
  });
});
