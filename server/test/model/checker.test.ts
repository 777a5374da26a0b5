/**
 * The model checker itself: a small history it must accept, and the same history broken in each way the
 * concurrent test is meant to catch. Without these, a checker that accepts everything would look like a pass.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory } from './checker.ts';
import type { EventRow, ModelParams, Rec, Snapshot } from './history.ts';

const T0 = Date.parse('2026-01-05T08:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const COPY = 'copy-1';
const ADMIN = 'admin';
const T1 = 'teacher-1';
const T2 = 'teacher-2';
const Q1 = 'q1';
const TTL = 60_000;

const params: ModelParams = { adminId: ADMIN, leaseTtlMs: TTL, slackMs: 1000, questions: [{ id: Q1, maxPoints: 400 }], ticks: [] };

let seq = 0;
const ev = (ms: number, action: string, actor: string | null, metadata: Record<string, unknown> = {}): EventRow => ({
  id: `e${String(++seq).padStart(4, '0')}`,
  copy_id: COPY,
  action,
  actor_id: actor,
  metadata,
  created_at: at(ms),
});
const rec = (ms: number, r: Omit<Rec, 's0' | 's1' | 'copyId'>): Rec => ({ copyId: COPY, s0: T0 + ms - 5, s1: T0 + ms + 5, ...r });

/** T1 locks, scores, annotates, edits, saves a draft, submits, finalizes; T2 is refused the lease meanwhile. */
function scenario() {
  const events = [
    ev(0, 'VALIDATED', null),
    ev(1000, 'LEASE_ACQUIRED', T1),
    ev(2000, 'SCORE_SET', T1, { questionId: Q1, points: 300, version: 1 }),
    ev(2100, 'ANNOTATION_CREATED', T1, { annotationId: 'a1', type: 'TICK' }),
    ev(2200, 'ANNOTATION_UPDATED', T1, { annotationId: 'a1', version: 2 }),
    ev(3000, 'SUBMITTED', T1),
    ev(4000, 'FINALIZE_REQUESTED', T1),
    ev(5000, 'FINALIZE_OK', null, { blobId: 'b1', finalScore: 300 }),
  ];
  const history: Rec[] = [
    rec(1000, { actor: T1, kind: 'lock', status: 200, token: 'k1', owner: T1, expiresAt: at(1000 + TTL) }),
    rec(1500, { actor: T2, kind: 'lock', status: 409, code: 'LOCKED_BY_OTHER' }),
    rec(2000, { actor: T1, kind: 'score', status: 200, sentToken: 'k1', questionId: Q1, points: 300, newVersion: 1 }),
    rec(2100, { actor: T1, kind: 'annotate', status: 201, sentToken: 'k1', annotationId: 'a1', newVersion: 1, content: 'a' }),
    rec(2200, { actor: T1, kind: 'edit', status: 200, sentToken: 'k1', annotationId: 'a1', version: 1, newVersion: 2, content: 'b' }),
    rec(2500, { actor: T1, kind: 'draft', status: 200, sentToken: 'k1', baseVersion: 0, newVersion: 1, payload: { n: 1 } }),
    rec(3000, { actor: T1, kind: 'submit', status: 200, sentToken: 'k1' }),
    rec(4000, { actor: T1, kind: 'finalize', status: 202, jobId: 'j1' }),
  ];
  const snap: Snapshot = {
    copies: [{ id: COPY, status: 'GRADED', locked_by: T1, final_blob_id: 'b1', final_score: 300 }],
    locks: [],
    drafts: [{ copy_id: COPY, owner_id: T1, version: 1, payload: JSON.stringify({ n: 1 }) }],
    annotations: [{ id: 'a1', copy_id: COPY, version: 2, content: 'b', x: 0.1 }],
    scores: [{ copy_id: COPY, question_id: Q1, points: 300, version: 1, max_points: 400 }],
    unscored: [],
    events,
    jobs: [{ id: 'j1', kind: 'FLATTEN_COPY', ref_id: COPY, status: 'DONE', attempts: 1 }],
    finalPdfs: [{ id: 'f1', copy_id: COPY, blob_id: 'b1', final_score: 300 }],
  };
  return { events, history, snap };
}

const check = (s: ReturnType<typeof scenario>, p: ModelParams = params) => checkHistory(s.history, { ...s.snap, events: s.events }, p).violations;

describe('model checker', () => {
  it('accepts a history the sequential model explains', () => {
    expect(check(scenario())).toEqual([]);
  });

  it('accepts events committed in the other order than their timestamps, within the slack', () => {
    const s = scenario();
    // the edit's transaction read the clock before the score's but committed after it
    s.events[3]!.created_at = at(2050);
    s.events[2]!.created_at = at(2060);
    s.events.splice(5, 0, ev(2990, 'ANNOTATION_DELETED', T1, { annotationId: 'a1', version: 2 }));
    s.events[4]!.created_at = at(2995); // the update, stamped after the delete that needed it
    s.history.push(rec(2990, { actor: T1, kind: 'delete', status: 204, sentToken: 'k1', annotationId: 'a1', version: 2 }));
    s.snap.annotations = [];
    for (const r of s.history) Object.assign(r, { s0: r.s0 - 900, s1: r.s1 + 900 }); // slow answers
    expect(check(s)).toEqual([]);
  });

  it('refuses two holders at once: a takeover while the first lease was live', () => {
    const s = scenario();
    s.events.splice(2, 0, ev(1500, 'LEASE_ACQUIRED', T2));
    s.history[1] = rec(1500, { actor: T2, kind: 'lock', status: 200, token: 'k2', owner: T2, expiresAt: at(1500 + TTL) });
    expect(check(s).join('\n')).toMatch(/while teacher-1's lease was live/);
  });

  it('accepts a takeover once the lease has expired, and refuses a write by the old holder after it', () => {
    const s = scenario();
    s.events.splice(5, 3, ev(70_000, 'LEASE_ACQUIRED', T2), ev(70_100, 'ANNOTATION_CREATED', T2, { annotationId: 'a2', type: 'TICK' }));
    s.history.splice(6, 2, rec(70_000, { actor: T2, kind: 'lock', status: 200, token: 'k2', owner: T2, expiresAt: at(70_000 + TTL) }));
    s.history.push(rec(70_100, { actor: T2, kind: 'annotate', status: 201, sentToken: 'k2', annotationId: 'a2', newVersion: 1, content: 'c' }));
    Object.assign(s.snap, {
      copies: [{ id: COPY, status: 'READY', locked_by: null, final_blob_id: null, final_score: null }],
      locks: [{ copy_id: COPY, owner_id: T2, token: 'k2', expires_at: at(70_000 + TTL) }],
      annotations: [...s.snap.annotations, { id: 'a2', copy_id: COPY, version: 1, content: 'c', x: 0.1 }],
      jobs: [],
      finalPdfs: [],
    });
    expect(check(s)).toEqual([]);

    s.events.push(ev(71_000, 'SCORE_SET', T1, { questionId: Q1, points: 100, version: 2 }));
    s.history.push(rec(71_000, { actor: T1, kind: 'score', status: 200, sentToken: 'k1', questionId: Q1, points: 100, version: 1, newVersion: 2 }));
    s.snap.scores = [{ copy_id: COPY, question_id: Q1, points: 100, version: 2, max_points: 400 }];
    expect(check(s).join('\n')).toMatch(/SCORE_SET by teacher-1 while the lease is held by teacher-2|while teacher-1 held no lease/);
  });

  it('refuses a write accepted after its lease had expired (nobody took it over)', () => {
    const s = scenario();
    s.events.splice(5, 3, ev(70_000, 'SCORE_SET', T1, { questionId: Q1, points: 200, version: 2 }));
    s.history.splice(6, 2, rec(70_000, { actor: T1, kind: 'score', status: 200, sentToken: 'k1', questionId: Q1, points: 200, version: 1, newVersion: 2 }));
    Object.assign(s.snap, {
      copies: [{ id: COPY, status: 'READY', locked_by: null, final_blob_id: null, final_score: null }],
      locks: [{ copy_id: COPY, owner_id: T1, token: 'k1', expires_at: at(1000 + TTL) }],
      scores: [{ copy_id: COPY, question_id: Q1, points: 200, version: 2, max_points: 400 }],
      jobs: [],
      finalPdfs: [],
    });
    const p = { ...params, ticks: [{ from: T0 + 3000, to: T0 + 69_000 }] };
    expect(check(s, p).join('\n')).toMatch(/SCORE_SET by teacher-1 after its lease had expired/);
    // the same write, sent before the clock moved and answered after: its lease check may have come first
    s.history.at(-1)!.s0 = T0 + 2900;
    expect(check(s, p)).toEqual([]);
  });

  it('refuses an event that answers no request', () => {
    const s = scenario();
    s.events[2]!.created_at = at(2500); // the score's event, outside the score request's window
    expect(check(s).join('\n')).toMatch(/SCORE_SET by teacher-1 .* answers no request of that actor/);
  });

  it('refuses two successful saves on the same draft version', () => {
    const s = scenario();
    s.history.push(rec(2600, { actor: T1, kind: 'draft', status: 200, sentToken: 'k1', baseVersion: 0, newVersion: 1, payload: { n: 2 } }));
    expect(check(s).join('\n')).toMatch(/draft .*produced versions 1,1/);
  });

  it('refuses two successful edits of one annotation version, and a stale database row', () => {
    const s = scenario();
    s.history.push(rec(2250, { actor: T1, kind: 'edit', status: 200, sentToken: 'k1', annotationId: 'a1', version: 1, newVersion: 2, content: 'x' }));
    expect(check(s).join('\n')).toMatch(/annotation a1: successful edits produced versions 2,2/);
    const t = scenario();
    t.snap.annotations[0]!.content = 'a';
    expect(check(t).join('\n')).toMatch(/annotation a1: database version 2 "a", last success version 2 "b"/);
  });

  it('refuses a success the database has no event for', () => {
    const s = scenario();
    s.history.push(rec(2300, { actor: T1, kind: 'edit', status: 200, sentToken: 'k1', annotationId: 'a1', version: 2, newVersion: 3, content: 'c' }));
    s.snap.annotations[0] = { ...s.snap.annotations[0]!, version: 3, content: 'c' };
    expect(check(s).join('\n')).toMatch(/1 ANNOTATION_UPDATED events but 2 successful answers/);
  });

  it('refuses a status change the state machine does not have', () => {
    const s = scenario();
    s.events.splice(5, 2); // FINALIZE_OK straight from READY
    s.history.splice(6, 2);
    s.snap.jobs = [];
    expect(check(s).join('\n')).toMatch(/FINALIZE_OK from READY/);
  });

  it('refuses a final score that is not computeTotal of the scores', () => {
    const s = scenario();
    s.events[7]!.metadata.finalScore = 350;
    s.snap.finalPdfs[0]!.final_score = 350;
    s.snap.copies[0]!.final_score = 350;
    expect(check(s).join('\n')).toMatch(/final score 350 but computeTotal of the scores at that point is 300/);
  });

  it('refuses GRADED without its final PDF, a job done twice, and a copy left in progress', () => {
    const s = scenario();
    s.snap.finalPdfs = [];
    s.snap.jobs[0]!.attempts = 2;
    const v = check(s).join('\n');
    expect(v).toMatch(/1 FINALIZE_OK \(final_pdfs rows\) events but 0 successful answers/);
    expect(v).toMatch(/job j1 of copy copy-1 is DONE after 2 attempts/);
    const t = scenario();
    t.events.pop();
    Object.assign(t.snap.copies[0]!, { status: 'GRADING_IN_PROGRESS', final_blob_id: null, final_score: null });
    t.snap.finalPdfs = [];
    expect(check(t).join('\n')).toMatch(/still GRADING_IN_PROGRESS/);
  });

  it('refuses an answer the model does not allow (a 500, a score over the maximum accepted)', () => {
    const s = scenario();
    s.history.push(rec(2400, { actor: T2, kind: 'lock', status: 500, code: 'INTERNAL' }));
    s.history.push(rec(2450, { actor: T1, kind: 'score', status: 200, sentToken: 'k1', questionId: Q1, points: 500, version: 1, newVersion: 2 }));
    const v = check(s).join('\n');
    expect(v).toMatch(/unexpected answer: lock by teacher- .* 500 INTERNAL/);
    expect(v).toMatch(/score of 500 \(max 400\) answered 200/);
  });

  it('complete before final: a copy past READY has every leaf scored or marked "not scored", and INCOMPLETE_SCORES answers only unconfirmed requests', () => {
    const Q2 = 'question-2';
    const p2 = { ...params, questions: [...params.questions, { id: Q2, maxPoints: 600 }] };
    const s = scenario();
    expect(check(s, p2).join('\n')).toMatch(/copy-1 is GRADED with question question-2 neither scored nor marked/);
    // the submit confirmed it: marked in the submit's transaction
    s.events.splice(6, 0, ev(3000, 'QUESTION_NOT_SCORED', T1, { questionId: Q2, label: '2', during: 'SUBMIT' }));
    s.history.push(rec(2900, { actor: T1, kind: 'submit', status: 409, code: 'INCOMPLETE_SCORES', sentToken: 'k1', unscored: [Q2] }));
    s.snap.unscored = [{ copy_id: COPY, question_id: Q2 }];
    expect(check(s, p2)).toEqual([]);
    // refused although the request confirmed; a mark on a scored question; a mark the database does not hold
    const t = scenario();
    t.events.splice(6, 0, ev(3000, 'QUESTION_NOT_SCORED', T1, { questionId: Q1, label: '1', during: 'SUBMIT' }));
    t.history.push(rec(2900, { actor: T1, kind: 'submit', status: 409, code: 'INCOMPLETE_SCORES', sentToken: 'k1', allowUnscored: true, unscored: [Q1] }));
    const v = check(t).join('\n');
    expect(v).toMatch(/INCOMPLETE_SCORES must name leaf questions and answer only a request without allowUnscored/);
    expect(v).toMatch(/question q1 marked not scored while it has a score or a mark/);
  });

  it('refuses a lease answer outside every lease interval of its holder (a heartbeat on a lost lease)', () => {
    const s = scenario();
    s.history.push(rec(4500, { actor: T1, kind: 'heartbeat', status: 200, sentToken: 'k1', expiresAt: at(4500 + TTL) }));
    expect(check(s).join('\n')).toMatch(/falls outside every lease interval of teacher-1/);
  });
});
