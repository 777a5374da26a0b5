/**
 * Crash injection (issue 6): real Korrigo processes, started through the CLI, are SIGKILLed at random points of an
 * ingest (upload → INGEST_UPLOAD job) or a finalize (→ FLATTEN_COPY job), then restarted and recovered. After
 * every run nothing may be stuck, duplicated or half-done; after the last one, with every process dead,
 * `recover-stuck` and `cleanup-orphans --grace 0` must leave a database and a blob store that match exactly.
 *
 * Topology: on SQLite the embedded shape, one `serve` running the jobs in-process (the server is the worker); on
 * PostgreSQL the scaled shape, `serve --no-jobs` + `worker`, and either is the victim.
 *
 * The CLI has no knob for the job lease (60 s): a dead worker's job would wait a minute before anyone may claim
 * it. Once the victim is dead, the test ages the leases that process held (`lease_expires_at` in the past, which
 * is exactly what a minute of waiting would do: nothing else changes), then runs the recovery.
 * A failing run prints its seed: KORRIGO_CRASH_SEED=<seed> replays the same kill plan (timings vary).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, leafIds, makeCopy, makeExam, type Client, type TestEnv } from '../helpers/harness.ts';
import { scanPdfFrom, withTypedPages } from '../fixtures/pdf-fixtures.ts';
import { mulberry32 } from '../../src/pdf/synthetic-scan.ts';
import { distinctJpegs, pageImages, sha256 } from '../pipeline/helpers.ts';
import { recoverStuck } from '../../src/services/recovery.service.ts';
import { unreferencedBlobs } from '../../src/repositories/blob.repository.ts';
import { computeTotal, leafQuestions } from '../../src/services/total.ts';
import { ADMIN_EMAIL, ADMIN_PASSWORD, freePort, loginSpread, runCommand, startServe, startWorker, type KorrigoProcess, type ProcessEnv } from '../scale/processes.ts';

const RUNS = Number(process.env.KORRIGO_CRASH_RUNS ?? 20);
const PAGES_PER_COPY = 2;
/**
 * Scans of different sizes whose last TYPED pages are vector text: scanned pages are served from the scan and cost
 * the job nothing, typed ones are rendered and stored while it runs, which gives a kill somewhere to land.
 */
const SCAN_SIZES = [13, 18, 23, 27, 31];
const TYPED = 5;
const FINALIZE_COPIES = 3;
const PASSWORD = 'correct horse battery';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
type Answer = { status: number; body: any } | { error: string };

interface RunReport {
  run: number;
  phase: 'ingest' | 'finalize';
  victim: string;
  trigger: string;
  /** what the database showed right after the kill */
  atKill: string;
  /** the victim was running the job when it died */
  midJob: boolean;
}

describe(`crash injection: SIGKILL during ingest and finalize, restart, recover, sweep [${engine}]`, () => {
  const seed = process.env.KORRIGO_CRASH_SEED ? Number(process.env.KORRIGO_CRASH_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) >>> 0;
  const random = mulberry32(seed); // seeded, so a failing kill plan can be replayed
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  let env: TestEnv;
  let pe: ProcessEnv;
  let apiPort: number;
  let api: KorrigoProcess;
  let worker: KorrigoProcess | null = null;
  let admin: Client;
  let teacher: Client;
  let jpegs: Uint8Array[];
  const scans = new Map<number, Uint8Array>();
  const uploads: { examId: string; pages: number }[] = [];
  const finalized: string[] = [];
  const reports: RunReport[] = [];

  beforeAll(async () => {
    console.log(`crash test [${engine}]: seed ${seed} (replay with KORRIGO_CRASH_SEED=${seed})`);
    env = await createTestEnv();
    pe = { databaseUrl: env.databaseUrl, dataDir: env.dataDir };
    apiPort = await freePort();
    [api, worker] = await Promise.all([
      startServe('api', pe, { jobs: engine === 'sqlite', port: apiPort }),
      engine === 'postgres' ? startWorker('worker', pe) : null,
    ]);
    const base = [api.url!];
    admin = await loginSpread(base, ADMIN_EMAIL, ADMIN_PASSWORD, { keepAlive: false });
    const email = 'crash-teacher@school.test';
    expect((await admin.req('POST', '/api/v1/users', { email, displayName: 'Crash Teacher', role: 'TEACHER', password: PASSWORD })).status).toBe(201);
    teacher = await loginSpread(base, email, PASSWORD, { keepAlive: false });
    jpegs = await distinctJpegs(Math.max(...SCAN_SIZES));
    for (const n of SCAN_SIZES) scans.set(n, await withTypedPages(await scanPdfFrom(jpegs.slice(0, n - TYPED), n - TYPED), TYPED));
  }, 180_000);

  afterAll(async () => {
    await Promise.all([api?.kill(), worker?.kill()]);
    await env?.close();
  });

  const db = () => env.ctx.db;
  const processes = () => [api, ...(worker ? [worker] : [])];
  const runsJobs = (p: KorrigoProcess) => p === worker || engine === 'sqlite';
  /**
   * The first run of each phase kills the process running the job while it runs; later ones draw: after a
   * random delay either process, else mostly the one running the job.
   */
  const chooseVictim = (run: number, trigger: string) => {
    if (engine === 'sqlite') return api;
    if (run < 2) return worker!;
    return random() < (trigger === 'delay' ? 0.5 : 0.25) ? api : worker!;
  };

  /** Kills `victim`, ages the job leases it held, restarts it (the API on its port), runs the recovery. */
  async function crashAndRecover(victim: KorrigoProcess) {
    await victim.kill('SIGKILL');
    await db()
      .updateTable('jobs')
      .set({ lease_expires_at: new Date(0).toISOString() })
      .where('status', '=', 'RUNNING')
      .where('lease_owner', 'like', `%:${victim.pid}:%`)
      .execute();
    if (victim === api) api = await startServe('api', pe, { jobs: engine === 'sqlite', port: apiPort });
    else worker = await startWorker('worker', pe);
    await recoverStuck(env.ctx);
  }

  /** Waits until no job is queued or running and no upload is being processed. */
  async function settle() {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const jobs = await db().selectFrom('jobs').select(['id', 'kind', 'status']).where('status', 'in', ['QUEUED', 'RUNNING']).execute();
      const busy = await db().selectFrom('uploads').select('id').where('status', 'in', ['PENDING', 'PROCESSING']).execute();
      if (!jobs.length && !busy.length) return;
      if (Date.now() > deadline) throw new Error(`jobs did not settle: ${JSON.stringify(jobs)} ${JSON.stringify(busy)}`);
      await sleep(100);
    }
  }

  /** Kills after a random delay, or once `cond` holds (plus a little jitter); returns how it was triggered. */
  async function killAt(cond: { name: string; holds: () => Promise<boolean> } | null, maxDelayMs: number, maxJitterMs: number) {
    if (!cond) {
      const ms = Math.floor(random() * maxDelayMs);
      await sleep(ms);
      return `after ${ms} ms`;
    }
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !(await cond.holds())) await sleep(3);
    const jitter = Math.floor(random() * maxJitterMs);
    await sleep(jitter);
    return `${cond.name} + ${jitter} ms`;
  }

  const answer = (p: Promise<{ status: number; body: any }>): Promise<Answer> => p.then((r) => ({ status: r.status, body: r.body }), (e: Error) => ({ error: e.message }));

  // ------------------------------------------------------------------ ingest

  async function ingestRun(run: number) {
    const pages = pick(SCAN_SIZES);
    const exam = await makeExam(admin, [], { pagesPerCopy: PAGES_PER_COPY, title: `Crash ${run}` });
    const trigger = run < 2 ? 'running' : pick(['delay', 'running', 'progress'] as const);
    const victim = chooseVictim(run, trigger);
    const uploadOf = () => db().selectFrom('uploads').selectAll().where('exam_id', '=', exam.id).executeTakeFirst();
    const jobOf = async () => {
      const u = await uploadOf();
      return u ? db().selectFrom('jobs').selectAll().where('ref_id', '=', u.id).executeTakeFirst() : undefined;
    };
    const sent = answer(admin.req('POST', `/api/v1/exams/${exam.id}/uploads?mode=BATCH`, scans.get(pages)!, { 'content-type': 'application/pdf' }));
    const how = await killAt(
      trigger === 'delay'
        ? null
        : trigger === 'running'
          ? { name: 'job RUNNING', holds: async () => (await jobOf())?.status === 'RUNNING' }
          : { name: 'pages stored', holds: async () => ((await uploadOf())?.pages_done ?? 0) > 0 },
      700,
      40,
    );
    await victim.kill('SIGKILL');
    const [u, job] = [await uploadOf(), await jobOf()];
    const atKill = u ? `upload ${u.status} ${u.pages_done}/${u.page_count}, job ${job?.status} attempt ${job?.attempts}` : 'no upload yet';
    reports.push({ run, phase: 'ingest', victim: victim.name, trigger: how, atKill, midJob: runsJobs(victim) && job?.status === 'RUNNING' });
    await crashAndRecover(victim);
    const res = await sent;
    await settle();

    let upload = await uploadOf();
    if ('status' in res && res.status === 202) expect(upload?.id, 'a 202 answer means the upload was stored').toBe(res.body.upload.id);
    if (!upload) {
      // the kill came before the upload was committed: sending the file again is all it takes
      const again = await admin.req('POST', `/api/v1/exams/${exam.id}/uploads?mode=BATCH`, scans.get(pages)!, { 'content-type': 'application/pdf' });
      expect(again.status).toBe(202);
      await settle();
      upload = await uploadOf();
    }
    uploads.push({ examId: exam.id, pages });
    expect(upload).toMatchObject({ status: 'DONE', page_count: pages, pages_done: pages, error: null });
    const jobs = await db().selectFrom('jobs').selectAll().where('ref_id', '=', upload!.id).execute();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.status).toBe('DONE');
    expect(jobs[0]!.attempts).toBeLessThanOrEqual(2);
    await expectIngested(exam.id, pages);
  }

  /** Exactly the copies and pages the scan makes: one copy per PAGES_PER_COPY pages, the remainder flagged. */
  async function expectIngested(examId: string, pages: number) {
    const copies = await db().selectFrom('copies').selectAll().where('exam_id', '=', examId).orderBy('created_at').execute();
    expect(copies).toHaveLength(Math.ceil(pages / PAGES_PER_COPY));
    const rows = await pageImages(env, copies.map((c) => c.id));
    expect(rows.map((p) => p.source_page)).toEqual(Array.from({ length: pages }, (_, i) => i));
    for (const p of rows) {
      expect(p.position).toBe(p.source_page % PAGES_PER_COPY);
      if (p.source_page < pages - TYPED) expect([p.scanned, p.sha256]).toEqual([true, sha256(jpegs[p.source_page]!)]);
      else expect([p.scanned, [...p.bytes.subarray(0, 3)]]).toEqual([false, [0xff, 0xd8, 0xff]]);
    }
    for (const c of copies) {
      const n = rows.filter((p) => p.copy_id === c.id).length;
      expect(c.status).toBe('STAGING');
      expect(n === PAGES_PER_COPY ? null : n).toBe(c.flagged === null ? null : pages % PAGES_PER_COPY);
    }
    const created = await db().selectFrom('grading_events').select('copy_id').where('copy_id', 'in', copies.map((c) => c.id)).where('action', '=', 'CREATED').execute();
    expect(created).toHaveLength(copies.length);
    const booklets = await db().selectFrom('booklets').select('id').where('exam_id', '=', examId).execute();
    expect(booklets).toHaveLength(copies.length);
  }

  // ------------------------------------------------------------------ finalize

  async function finalizeRun(run: number) {
    const exam = await makeExam(admin, [teacher], { title: `Crash finalize ${run}` });
    const copies: string[] = [];
    for (let i = 0; i < FINALIZE_COPIES; i++) {
      const copyId = await makeCopy(env, exam.id);
      const h = { 'x-lock-token': (await teacher.req('POST', `/api/v1/copies/${copyId}/lock`)).body.token };
      for (const [k, q] of leafIds(exam).entries()) {
        expect((await teacher.req('PUT', `/api/v1/copies/${copyId}/scores/${q}`, { points: 100 * (k + 1) + i }, h)).status).toBe(200);
      }
      expect((await teacher.req('POST', `/api/v1/copies/${copyId}/submit`, undefined, h)).status).toBe(200);
      copies.push(copyId);
    }
    const trigger = run < 2 ? 'running' : pick(['delay', 'running', 'graded'] as const);
    const victim = chooseVictim(run, trigger);
    const jobsOf = () => db().selectFrom('jobs').selectAll().where('ref_id', 'in', copies).execute();
    const statuses = () => db().selectFrom('copies').select(['id', 'status']).where('id', 'in', copies).execute();
    const sent = Promise.all(copies.map((id) => answer(admin.req('POST', `/api/v1/copies/${id}/finalize`))));
    const how = await killAt(
      trigger === 'delay'
        ? null
        : trigger === 'running'
          ? { name: 'a job RUNNING', holds: async () => (await jobsOf()).some((j) => j.status === 'RUNNING') }
          : { name: 'a copy GRADED', holds: async () => (await statuses()).some((c) => c.status === 'GRADED') },
      1500,
      150,
    );
    await victim.kill('SIGKILL');
    const [jobs, st] = [await jobsOf(), await statuses()];
    const atKill = `copies ${st.map((c) => c.status).join(',')}; jobs ${jobs.map((j) => `${j.status}#${j.attempts}`).join(',') || 'none'}`;
    reports.push({ run, phase: 'finalize', victim: victim.name, trigger: how, atKill, midJob: runsJobs(victim) && jobs.some((j) => j.status === 'RUNNING') });
    await crashAndRecover(victim);
    const answers = await sent;
    await settle();

    for (const [i, copyId] of copies.entries()) {
      const a = answers[i]!;
      const copy = await db().selectFrom('copies').selectAll().where('id', '=', copyId).executeTakeFirstOrThrow();
      // a 202 is a promise: the copy gets graded without anyone asking again
      if ('status' in a && a.status === 202) {
        const jobs = await db().selectFrom('jobs').select(['status', 'attempts', 'last_error']).where('ref_id', '=', copyId).execute();
        expect(copy.status, `copy ${copyId} answered 202 (${copy.grading_error}; jobs ${JSON.stringify(jobs)})`).toBe('GRADED');
      }
      else expect(['LOCKED', 'GRADED']).toContain(copy.status);
      if (copy.status === 'LOCKED') expect((await admin.req('POST', `/api/v1/copies/${copyId}/finalize`)).status).toBe(202);
    }
    await settle();
    for (const copyId of copies) await expectFinalizedOnce(copyId);
    finalized.push(...copies);
  }

  async function expectFinalizedOnce(copyId: string) {
    const copy = await db().selectFrom('copies').selectAll().where('id', '=', copyId).executeTakeFirstOrThrow();
    expect(copy.status).toBe('GRADED');
    const pdfs = await db().selectFrom('final_pdfs').innerJoin('blobs', 'blobs.id', 'final_pdfs.blob_id').select(['final_pdfs.blob_id', 'final_pdfs.final_score', 'blobs.storage_key']).where('final_pdfs.copy_id', '=', copyId).execute();
    expect(pdfs).toHaveLength(1);
    expect(copy.final_blob_id).toBe(pdfs[0]!.blob_id);
    expect((await env.ctx.blobs.read(pdfs[0]!.storage_key)).subarray(0, 5).toString()).toBe('%PDF-');
    const scores = await db().selectFrom('scores').select(['question_id', 'points']).where('copy_id', '=', copyId).execute();
    const questions = await db().selectFrom('questions').select(['id', 'parent_id']).where('exam_id', '=', copy.exam_id).execute();
    const leaves = new Set(leafQuestions(questions).map((q) => q.id));
    expect(copy.final_score).toBe(computeTotal(scores, leaves));
    expect(pdfs[0]!.final_score).toBe(copy.final_score);
    const events = await db().selectFrom('grading_events').select('action').where('copy_id', '=', copyId).execute();
    const jobs = await db().selectFrom('jobs').selectAll().where('ref_id', '=', copyId).execute();
    expect(events.filter((e) => e.action === 'FINALIZE_OK')).toHaveLength(1);
    expect(events.filter((e) => e.action === 'FINALIZE_REQUESTED')).toHaveLength(jobs.length);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.status).toBe('DONE');
    expect(jobs[0]!.attempts).toBeLessThanOrEqual(2);
  }

  // ------------------------------------------------------------------ the runs

  it(`${RUNS} runs: the server or a worker SIGKILLed at a random point of an ingest or a finalize, restarted and recovered, leaves nothing stuck, duplicated or half-done`, async () => {
    const started = Date.now();
    for (let run = 0; run < RUNS; run++) {
      try {
        if (run % 2 === 0) await ingestRun(run);
        else await finalizeRun(run);
      } catch (err) {
        (err as Error).message = `run ${run} (seed ${seed}; replay with KORRIGO_CRASH_SEED=${seed}): ${(err as Error).message}\n${JSON.stringify(reports.at(-1))}`;
        throw err;
      }
    }
    console.log(
      `crash test [${engine}]: ${RUNS} runs in ${((Date.now() - started) / 1000).toFixed(0)} s\n` +
        reports.map((r) => `  #${r.run} ${r.phase.padEnd(8)} kill ${r.victim.padEnd(6)} at ${r.trigger.padEnd(24)} → ${r.atKill}`).join('\n'),
    );
    // the plan did hit both jobs in the middle of their work, not only before or after
    for (const phase of ['ingest', 'finalize'] as const) expect(reports.some((r) => r.phase === phase && r.midJob), `a ${phase} job killed while RUNNING`).toBe(true);
  }, 900_000);

  it('with every process dead: recover-stuck and cleanup-orphans --grace 0 leave no stuck copy, no GRADED without PDF, no duplicate page, no orphan', async () => {
    await Promise.all(processes().map((p) => p.kill('SIGKILL')));
    const recovered = await runCommand(['recover-stuck'], pe);
    expect(recovered.code, recovered.output).toBe(0);
    const swept = await runCommand(['cleanup-orphans', '--grace', '0'], pe);
    expect(swept.code, swept.output).toBe(0);
    const removed = /Removed (\d+) orphan files and (\d+) unreferenced blob rows \((\d+) bytes\)/.exec(swept.output);
    expect(removed, swept.output).not.toBeNull();
    console.log(`crash test [${engine}]: ${recovered.output.trim().split('\n')[0]}\n  sweep: ${removed![0]}`);
    // a run killed after it stored rendered images leaves them behind (the scanned pages count as done from the start,
    // without a file of their own: only progress beyond them proves a file was written)
    const killedAfterRenders = reports.some((r) => {
      const m = r.phase === 'ingest' ? /PROCESSING (\d+)\/(\d+)/.exec(r.atKill) : null;
      return m !== null && Number(m[1]) > Number(m[2]) - TYPED;
    });
    if (killedAfterRenders) expect(Number(removed![1])).toBeGreaterThan(0);

    // no stuck copy, no job left behind
    expect(await db().selectFrom('copies').select('id').where('status', 'not in', ['STAGING', 'GRADED']).execute()).toEqual([]);
    expect(await db().selectFrom('jobs').select(['id', 'status']).where('status', '!=', 'DONE').execute()).toEqual([]);
    expect(await db().selectFrom('uploads').select(['id', 'status']).where('status', '!=', 'DONE').execute()).toEqual([]);

    // GRADED ⇒ its PDF, once
    const graded = await db().selectFrom('copies').select('id').where('status', '=', 'GRADED').execute();
    expect(graded.map((c) => c.id).sort()).toEqual([...finalized].sort());
    for (const copyId of finalized) await expectFinalizedOnce(copyId);

    // no duplicate page, and every scan made exactly its copies
    const dup = await db()
      .selectFrom('pages')
      .select(['copy_id', 'position', (eb) => eb.fn.countAll().as('n')])
      .groupBy(['copy_id', 'position'])
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(dup).toEqual([]);
    for (const u of uploads) await expectIngested(u.examId, u.pages);
    expect(await db().selectFrom('uploads').select('id').execute()).toHaveLength(uploads.length);

    // no orphan: the files on disk are exactly the blob rows, every row is referenced
    const files: string[] = [];
    for await (const f of env.ctx.blobs.list()) files.push(f.storageKey);
    const rows = await db().selectFrom('blobs').select('storage_key').execute();
    expect(files.sort()).toEqual(rows.map((r) => r.storage_key).sort());
    expect(await unreferencedBlobs(db(), new Date(Date.now() + 3600_000).toISOString())).toEqual([]);
  }, 300_000);
});
