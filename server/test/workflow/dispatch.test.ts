import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, engine, makeCopy, makeExam, makeUser, parallel, type Client, type TestEnv } from '../helpers/harness.ts';
import { newId } from '../../src/ids.ts';
import { planAssignments } from '../../src/services/dispatch.service.ts';

describe('planAssignments (pure)', () => {
  it('fills the least loaded first, round-robin in a stable order', () => {
    const pool = ['c1', 'c2', 'c3', 'c4', 'c5'].map((id) => ({ id, current: null, leaseOwner: null }));
    const plan = planAssignments(['A', 'B', 'C'], new Map([['C', 1]]), pool);
    expect([...plan.values()]).toEqual(['A', 'B', 'A', 'B', 'C']);
  });
  it('keeps copies where they are when that is already balanced, and gives a leased copy to its holder', () => {
    const pool = [
      { id: 'c1', current: 'A', leaseOwner: null },
      { id: 'c2', current: 'B', leaseOwner: null },
      { id: 'c3', current: null, leaseOwner: 'B' },
    ];
    const plan = planAssignments(['A', 'B'], new Map(), pool);
    expect(Object.fromEntries(plan)).toEqual({ c1: 'A', c2: 'B', c3: 'B' });
  });
});

describe(`dispatch, rebalance, reassign [${engine}]`, () => {
  let env: TestEnv;
  let admin: Client;
  let a: Client;
  let b: Client;
  let c: Client;
  beforeAll(async () => {
    env = await createTestEnv();
    admin = await makeUser(env, 'ADMIN');
    // display names fix the stable order of correctors: a, b, c
    a = await makeUser(env, 'TEACHER', `a-${newId().slice(0, 6)}`);
    b = await makeUser(env, 'TEACHER', `b-${newId().slice(0, 6)}`);
    c = await makeUser(env, 'TEACHER', `c-${newId().slice(0, 6)}`);
  });
  afterAll(() => env.close());

  const loads = (body: { loads: { user: { id: string }; count: number }[] }) =>
    Object.fromEntries(body.loads.map((l) => [[a, b, c].find((t) => t.user.id === l.user.id)!.user.displayName[0], l.count]));
  const assignee = async (copyId: string) =>
    (await env.ctx.db.selectFrom('copies').select('assigned_to').where('id', '=', copyId).executeTakeFirstOrThrow()).assigned_to;

  it('hands out unassigned READY copies round-robin, least loaded first; teachers then see only theirs', async () => {
    const exam = await makeExam(admin, [a, b, c]);
    const ready = await parallel(7, () => makeCopy(env, exam.id));
    const staging = await makeCopy(env, exam.id, { status: 'STAGING' });
    const preassigned = await makeCopy(env, exam.id);
    expect((await admin.req('PUT', `/api/v1/copies/${preassigned}/assignee`, { userId: c.user.id })).status).toBe(200);

    const res = await admin.req('POST', `/api/v1/exams/${exam.id}/dispatch`);
    expect(res.status).toBe(200);
    expect(res.body.assigned).toBe(7);
    expect(res.body.moved).toBe(0);
    expect(loads(res.body)).toEqual({ a: 3, b: 3, c: 2 });
    expect(await assignee(staging)).toBeNull();
    expect((await admin.req('POST', `/api/v1/exams/${exam.id}/dispatch`, {})).body.assigned).toBe(0);

    for (const t of [a, b, c]) {
      const mine = await t.req('GET', `/api/v1/exams/${exam.id}/copies`);
      expect(mine.body.items.every((i: { assignedTo: { id: string } }) => i.assignedTo.id === t.user.id)).toBe(true);
    }
    const aCopies = (await a.req('GET', `/api/v1/exams/${exam.id}/copies`)).body.items.map((i: { id: string }) => i.id);
    expect(aCopies).toHaveLength(3);
    expect((await b.req('GET', `/api/v1/copies/${aCopies[0]}`)).status).toBe(404);
    expect((await a.req('GET', `/api/v1/copies/${aCopies[0]}`)).status).toBe(200);
    expect(ready).toContain(aCopies[0]);
  });

  it('never assigns a copy twice when dispatches run in parallel', async () => {
    const exam = await makeExam(admin, [a, b, c]);
    const copies = await parallel(30, () => makeCopy(env, exam.id));
    const admins = await parallel(6, () => makeUser(env, 'ADMIN'));
    const results = await parallel(6, (i) => admins[i]!.req('POST', `/api/v1/exams/${exam.id}/dispatch`));
    for (const r of results) expect(r.status).toBe(200);
    expect(results.reduce((s, r) => s + r.body.assigned, 0)).toBe(30);
    const events = await env.ctx.db.selectFrom('grading_events').select('copy_id').where('copy_id', 'in', copies).where('action', '=', 'ASSIGNED').execute();
    expect(events).toHaveLength(30);
    expect(new Set(events.map((e) => e.copy_id)).size).toBe(30);
    const rows = await env.ctx.db.selectFrom('copies').select('assigned_to').where('exam_id', '=', exam.id).execute();
    expect(rows.every((r) => r.assigned_to !== null)).toBe(true);
    const perTeacher = [a, b, c].map((t) => rows.filter((r) => r.assigned_to === t.user.id).length);
    expect(perTeacher.reduce((s, n) => s + n, 0)).toBe(30);
    // whatever the interleaving, every dispatch balanced against what was already assigned
    expect(Math.max(...perTeacher) - Math.min(...perTeacher)).toBeLessThanOrEqual(1);
  });

  it('rebalances onto a new corrector, moving only untouched copies, and takes copies back from a removed one', async () => {
    const exam = await makeExam(admin, [a, b]);
    const copies = await parallel(6, () => makeCopy(env, exam.id));
    expect(loads((await admin.req('POST', `/api/v1/exams/${exam.id}/dispatch`)).body)).toEqual({ a: 3, b: 3 });
    const aCopies = [];
    for (const id of copies) if ((await assignee(id)) === a.user.id) aCopies.push(id);
    // a is grading one copy (live lease) and has scored another: neither may move
    expect((await a.req('POST', `/api/v1/copies/${aCopies[0]}/lock`)).status).toBe(200);
    const lease2 = await a.req('POST', `/api/v1/copies/${aCopies[1]}/lock`);
    const leafId = (await admin.req('GET', `/api/v1/exams/${exam.id}`)).body.exam.questions.find((q: { isLeaf: boolean }) => q.isLeaf).id;
    expect((await a.req('PUT', `/api/v1/copies/${aCopies[1]}/scores/${leafId}`, { points: 100 }, { 'x-lock-token': lease2.body.token })).status).toBe(200);
    expect((await a.req('DELETE', `/api/v1/copies/${aCopies[1]}/lock`, undefined, { 'x-lock-token': lease2.body.token })).status).toBe(204);

    await admin.req('PUT', `/api/v1/exams/${exam.id}/correctors`, { userIds: [a.user.id, b.user.id, c.user.id] });
    const plain = await admin.req('POST', `/api/v1/exams/${exam.id}/dispatch`);
    expect(plain.body).toMatchObject({ assigned: 0, moved: 0 });
    const re = await admin.req('POST', `/api/v1/exams/${exam.id}/dispatch`, { rebalance: true });
    expect(re.status).toBe(200);
    expect(re.body.moved).toBe(2);
    expect(loads(re.body)).toEqual({ a: 2, b: 2, c: 2 });
    expect(await assignee(aCopies[0]!)).toBe(a.user.id);
    expect(await assignee(aCopies[1]!)).toBe(a.user.id);

    await admin.req('PUT', `/api/v1/exams/${exam.id}/correctors`, { userIds: [a.user.id, c.user.id] });
    const back = await admin.req('POST', `/api/v1/exams/${exam.id}/dispatch`, { rebalance: true });
    expect(back.body.moved).toBe(2);
    expect(loads(back.body)).toEqual({ a: 3, c: 3 });
    const moves = await env.ctx.db.selectFrom('grading_events').select('metadata').where('copy_id', 'in', copies).where('action', '=', 'ASSIGNED').execute();
    expect(moves.filter((m) => JSON.parse(m.metadata).via === 'rebalance')).toHaveLength(4);
  });

  it('gives an unassigned copy a teacher already holds to that teacher', async () => {
    const exam = await makeExam(admin, [a, b]);
    const [x, y] = [await makeCopy(env, exam.id), await makeCopy(env, exam.id)];
    const held = [x, y].sort()[0]!; // the first in code order would go to `a` round-robin…
    await b.req('POST', `/api/v1/copies/${held}/lock`); // …but `b` already opened it
    const res = await admin.req('POST', `/api/v1/exams/${exam.id}/dispatch`);
    expect(res.body.assigned).toBe(2);
    expect(await assignee(held)).toBe(b.user.id);
  });

  it('reassigns one copy, refuses a non-corrector (400) and a copy someone else is grading (409)', async () => {
    const exam = await makeExam(admin, [a, b]);
    const id = await makeCopy(env, exam.id);
    expect((await admin.req('PUT', `/api/v1/copies/${id}/assignee`, { userId: a.user.id })).body.assignedTo.id).toBe(a.user.id);
    const notCorrector = await admin.req('PUT', `/api/v1/copies/${id}/assignee`, { userId: c.user.id });
    expect(notCorrector.status).toBe(400);
    expect(await assignee(id)).toBe(a.user.id);

    const lease = await a.req('POST', `/api/v1/copies/${id}/lock`);
    const busy = await admin.req('PUT', `/api/v1/copies/${id}/assignee`, { userId: b.user.id });
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe('LOCKED_BY_OTHER');
    expect(busy.body.owner.id).toBe(a.user.id);
    await a.req('DELETE', `/api/v1/copies/${id}/lock`, undefined, { 'x-lock-token': lease.body.token });

    expect((await admin.req('PUT', `/api/v1/copies/${id}/assignee`, { userId: b.user.id })).status).toBe(200);
    expect((await a.req('GET', `/api/v1/copies/${id}`)).status).toBe(404);
    expect((await admin.req('PUT', `/api/v1/copies/${id}/assignee`, { userId: null })).body.assignedTo).toBeNull();
    const evs = (await admin.req('GET', `/api/v1/copies/${id}/events`)).body.items
      .filter((e: { action: string }) => e.action.endsWith('ASSIGNED'))
      .map((e: { action: string; metadata: { to: string | null } }) => [e.action, e.metadata.to]);
    expect(evs).toEqual([
      ['ASSIGNED', a.user.id],
      ['ASSIGNED', b.user.id],
      ['UNASSIGNED', null],
    ]);
  });

  it('refuses to dispatch an exam without correctors (409)', async () => {
    const exam = await makeExam(admin);
    await makeCopy(env, exam.id);
    const res = await admin.req('POST', `/api/v1/exams/${exam.id}/dispatch`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('INVALID_STATE');
  });
});
