import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, type Client, type TestEnv } from '../helpers/harness.ts';

/** The value of one series in a Prometheus text exposition, or undefined. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe(`/healthz, /readyz, /metrics [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let t1: Client;
  let t2: Client;
  let examId: string;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    t1 = await makeUser(env, 'TEACHER');
    t2 = await makeUser(env, 'TEACHER');
    examId = (await makeExam(admin, [t1, t2])).id;
  });
  afterAll(() => env.close());
  const scrape = async () => {
    const r = await env.app.inject({ method: 'GET', url: '/metrics' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return r.body;
  };

  it('healthz and readyz report the process, the database and the storage', async () => {
    expect((await env.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await env.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', storage: 'ok' } });
  });

  it('copies by status and jobs by kind/state are read from the database at scrape time', async () => {
    const before = await scrape();
    const ready0 = value(before, 'korrigo_copies', { status: 'READY' })!;
    expect(value(before, 'korrigo_copies', { status: 'GRADED' })).toBe(0);
    const c1 = await makeCopy(env, examId);
    await makeCopy(env, examId);
    await makeCopy(env, examId, { status: 'STAGING' });
    expect((await admin.req('POST', `/api/v1/copies/${c1}/finalize`, { allowUnscored: true })).status).toBe(202);

    const after = await scrape();
    expect(value(after, 'korrigo_copies', { status: 'READY' })).toBe(ready0 + 1);
    expect(value(after, 'korrigo_copies', { status: 'STAGING' })).toBeGreaterThanOrEqual(1);
    expect(value(after, 'korrigo_copies', { status: 'GRADING_IN_PROGRESS' })).toBe(1);
    expect(value(after, 'korrigo_jobs', { kind: 'FLATTEN_COPY', state: 'QUEUED' })).toBe(1);
    expect(value(after, 'korrigo_jobs', { kind: 'FLATTEN_COPY', state: 'FAILED' })).toBe(0);
    const dbCounts = await env.ctx.db.selectFrom('copies').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    for (const c of dbCounts) expect(value(after, 'korrigo_copies', { status: c.status }), c.status).toBe(Number(c.n));
  });

  it('the age of the oldest due job grows while nothing runs it (what the stuck-job alert watches)', async () => {
    env.clock.advance(20 * 60_000);
    const age = value(await scrape(), 'korrigo_job_oldest_age_seconds', { state: 'QUEUED' })!;
    expect(age).toBeGreaterThanOrEqual(20 * 60);
    expect(age).toBeLessThan(25 * 60);
    expect(value(await scrape(), 'korrigo_job_oldest_age_seconds', { state: 'RUNNING' })).toBe(0);
  });

  it('counts lock conflicts, draft conflicts and HTTP latency by route template', async () => {
    const before = await scrape();
    const copy = await makeCopy(env, examId);
    const lock = await t1.req('POST', `/api/v1/copies/${copy}/lock`);
    expect(lock.status).toBe(200);
    expect((await t2.req('POST', `/api/v1/copies/${copy}/lock`)).status).toBe(409);
    const h = { 'x-lock-token': lock.body.token };
    expect((await t1.req('PUT', `/api/v1/copies/${copy}/draft`, { payload: {}, baseVersion: 0, clientId: 'a' }, h)).status).toBe(200);
    expect((await t1.req('PUT', `/api/v1/copies/${copy}/draft`, { payload: {}, baseVersion: 0, clientId: 'b' }, h)).status).toBe(409);

    const after = await scrape();
    const delta = (name: string) => (value(after, name) ?? 0) - (value(before, name) ?? 0);
    expect(delta('korrigo_lock_conflicts_total')).toBe(1);
    expect(delta('korrigo_draft_conflicts_total')).toBe(1);
    const route = '/api/v1/copies/:id/lock';
    expect(value(after, 'korrigo_http_request_duration_seconds_count', { method: 'POST', route, status: '409' })).toBeGreaterThanOrEqual(1);
    expect(value(after, 'korrigo_http_request_duration_seconds_count', { method: 'POST', route, status: '200' })).toBeGreaterThanOrEqual(1);
    // ids never become label values (bounded cardinality)
    expect(after).not.toContain(copy);
  });

  it('with METRICS_TOKEN set, /metrics needs the bearer token', async () => {
    env.ctx.config.metricsToken = 's3cret-token';
    try {
      expect((await env.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      expect((await env.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
      const ok = await env.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer s3cret-token' } });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('korrigo_copies');
    } finally {
      env.ctx.config.metricsToken = null;
    }
  });
});
