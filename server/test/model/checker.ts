/**
 * The sequential model of grading, and the check that a concurrent run is explained by it.
 *
 * The server serializes the changes of a copy (row locks, conditional statements) and writes a grading_events row
 * in the transaction of each change, so its events are the serial history. Their timestamps are taken inside the
 * transaction but before it commits, so two events a few milliseconds apart may have committed in the other order:
 * the replay looks for an order, among those within `slackMs` of the timestamps, that the model accepts — the
 * state machine, the lease rules (one holder; a takeover only once the holder's lease had expired, judged from the
 * expiries the server itself granted), who may do what, versions that step by one, totals by computeTotal. Then the
 * responses the actors saw are checked against that history and the final database: one success per version step,
 * every granted lease inside one of its holder's lease intervals, counts of successes = counts of events, final
 * rows = the last success of each chain.
 */
import { computeTotal } from '../../src/services/total.ts';
import type { EventRow, ModelParams, OpKind, Rec, Snapshot } from './history.ts';

export interface CheckResult {
  violations: string[];
  stats: Record<string, number>;
}

type Role = 'admin' | 'teacher';

/** Every answer an operation may get in the model; anything else (a 500 above all) is a violation. */
const ALLOWED: Record<Role, Record<OpKind, string[]>> = {
  teacher: {
    lock: ['200', '409 LOCKED_BY_OTHER', '409 INVALID_STATE'],
    heartbeat: ['200', '409 LOCK_REQUIRED'],
    release: ['204', '409 LOCK_REQUIRED'],
    draft: ['200', '409 DRAFT_CONFLICT', '409 LOCK_REQUIRED'],
    annotate: ['201', '409 LOCK_REQUIRED'],
    edit: ['200', '409 VERSION_CONFLICT', '409 LOCK_REQUIRED', '404 NOT_FOUND'],
    delete: ['204', '409 VERSION_CONFLICT', '409 LOCK_REQUIRED', '404 NOT_FOUND'],
    score: ['200', '400 VALIDATION_FAILED', '409 VERSION_CONFLICT', '409 LOCK_REQUIRED'],
    submit: ['200', '409 LOCK_REQUIRED', '409 INCOMPLETE_SCORES'],
    unlock: ['200', '409 INVALID_STATE', '403 FORBIDDEN'],
    finalize: ['200', '202', '409 LOCK_REQUIRED', '403 FORBIDDEN', '409 INCOMPLETE_SCORES'],
    reopen: ['403 FORBIDDEN'],
    view: ['200'],
  },
  admin: {
    lock: ['200', '409 LOCKED_BY_OTHER', '409 INVALID_STATE'],
    heartbeat: ['200', '409 LOCK_REQUIRED'],
    release: ['204', '409 LOCK_REQUIRED'],
    draft: ['200', '409 DRAFT_CONFLICT', '409 LOCK_REQUIRED'],
    annotate: ['201', '409 LOCK_REQUIRED'],
    edit: ['200', '409 VERSION_CONFLICT', '409 LOCK_REQUIRED', '404 NOT_FOUND'],
    delete: ['204', '409 VERSION_CONFLICT', '409 LOCK_REQUIRED', '404 NOT_FOUND'],
    score: ['200', '400 VALIDATION_FAILED', '409 VERSION_CONFLICT', '409 LOCK_REQUIRED'],
    submit: ['200', '409 LOCK_REQUIRED', '409 INCOMPLETE_SCORES'],
    unlock: ['200', '409 INVALID_STATE'],
    finalize: ['200', '202', '409 INCOMPLETE_SCORES'],
    reopen: ['200', '409 INVALID_STATE'],
    view: ['200'],
  },
};

/** The copy state machine of DESIGN.md §3, written down again here as the model (not imported). */
const TRANSITIONS: Record<string, { from: string[]; to: string }> = {
  VALIDATED: { from: ['STAGING'], to: 'READY' },
  SUBMITTED: { from: ['READY'], to: 'LOCKED' },
  UNLOCKED: { from: ['LOCKED'], to: 'READY' },
  FINALIZE_REQUESTED: { from: ['READY', 'LOCKED', 'GRADING_FAILED'], to: 'GRADING_IN_PROGRESS' },
  FINALIZE_OK: { from: ['GRADING_IN_PROGRESS'], to: 'GRADED' },
  FINALIZE_FAILED: { from: ['GRADING_IN_PROGRESS'], to: 'GRADING_FAILED' },
  REOPENED: { from: ['GRADED'], to: 'READY' },
};

/** Answers that mean "your lease-guarded write was applied". */
const WRITES = new Set(['draft 200', 'annotate 201', 'edit 200', 'delete 204', 'score 200', 'submit 200']);

interface Grant {
  issue: number;
  expires: number;
}

interface State {
  status: string;
  submitter: string | null;
  holder: { owner: string; since: number } | null;
  scores: Map<string, { points: number; version: number }>;
  /** questions marked "not scored"; a score removes the mark */
  notScored: Set<string>;
  annotations: Map<string, number>;
  lastFinal: { blobId: string; finalScore: number } | null;
}

interface Lease {
  owner: string;
  start: number;
  end: number;
}

const t = (iso: string) => Date.parse(iso);

/** The write an event records, and the answer of that write: the same key on both sides. */
function eventKey(e: EventRow): string | null {
  const m = e.metadata;
  switch (e.action) {
    case 'ANNOTATION_CREATED':
      return `annotation ${m.annotationId} created`;
    case 'ANNOTATION_UPDATED':
      return `annotation ${m.annotationId} at ${m.version}`;
    case 'ANNOTATION_DELETED':
      return `annotation ${m.annotationId} deleted at ${m.version}`;
    case 'SCORE_SET':
      return `score ${e.copy_id} ${m.questionId} at ${m.version}`;
    case 'SUBMITTED':
      return `submit ${e.copy_id}`;
  }
  return null;
}
function requestKey(r: Rec): string | null {
  switch (`${r.kind} ${r.status}`) {
    case 'annotate 201':
      return `annotation ${r.annotationId} created`;
    case 'edit 200':
      return `annotation ${r.annotationId} at ${r.newVersion}`;
    case 'delete 204':
      return `annotation ${r.annotationId} deleted at ${r.version}`;
    case 'score 200':
      return `score ${r.copyId} ${r.questionId} at ${r.newVersion}`;
    case 'submit 200':
      return `submit ${r.copyId}`;
  }
  return null;
}

/** What an event changes besides the copy's lease and status: events on different resources commute. */
const resourceOf = (e: EventRow) =>
  e.action.startsWith('ANNOTATION_')
    ? `annotation ${e.metadata.annotationId}`
    : e.action === 'SCORE_SET' || e.action === 'QUESTION_NOT_SCORED'
      ? `score ${e.metadata.questionId}`
      : null;

export function checkHistory(history: Rec[], snap: Snapshot, p: ModelParams): CheckResult {
  const violations: string[] = [];
  const stats: Record<string, number> = {};
  const bump = (k: string, n = 1) => (stats[k] = (stats[k] ?? 0) + n);
  const fail = (msg: string) => {
    if (violations.length < 50) violations.push(msg);
    bump('violations');
  };
  const roleOf = (actor: string): Role => (actor === p.adminId ? 'admin' : 'teacher');
  const maxOf = new Map(p.questions.map((q) => [q.id, q.maxPoints]));
  const leaves = new Set(maxOf.keys());
  const describe = (r: Rec) => `${r.kind} by ${r.actor.slice(0, 8)} on copy ${r.copyId.slice(0, 8)} → ${r.status}${r.code ? ` ${r.code}` : ''}`;

  // ------------------------------------------------------------ 1. every answer is one the model allows
  const tokenOwner = new Map<string, { owner: string; copyId: string }>();
  const grants = new Map<string, Grant[]>(); // `${copy}|${owner}` → expiries the server granted
  for (const r of history) {
    const outcome = r.code ? `${r.status} ${r.code}` : String(r.status);
    bump(`${r.kind} ${outcome}`);
    if (!ALLOWED[roleOf(r.actor)][r.kind].includes(outcome)) fail(`unexpected answer: ${describe(r)}`);
    if (r.code === 'INVALID_STATE' && !r.currentStatus) fail(`INVALID_STATE without currentStatus: ${describe(r)}`);
    if (r.code === 'INCOMPLETE_SCORES' && (r.allowUnscored || !r.unscored?.length || r.unscored.some((q) => !leaves.has(q)))) {
      fail(`INCOMPLETE_SCORES must name leaf questions and answer only a request without allowUnscored: ${describe(r)}`);
    }
    switch (r.kind) {
      case 'lock':
        if (r.status !== 200) break;
        if (r.owner !== r.actor) fail(`lock granted to ${r.owner} answered to ${r.actor}`);
        if (!r.token) fail(`lock without token: ${describe(r)}`);
        else {
          const prev = tokenOwner.get(r.token);
          if (prev && (prev.owner !== r.actor || prev.copyId !== r.copyId)) fail(`token handed to two leases: ${describe(r)}`);
          tokenOwner.set(r.token, { owner: r.actor, copyId: r.copyId });
        }
        addGrant(r);
        break;
      case 'heartbeat':
        if (r.status !== 200) break;
        if (tokenOwner.get(r.sentToken!)?.owner !== r.actor) fail(`heartbeat accepted a token that was never this actor's lease: ${describe(r)}`);
        addGrant(r);
        break;
      case 'draft':
        if (r.status === 200 && r.newVersion !== r.baseVersion! + 1) fail(`draft saved on base ${r.baseVersion} became version ${r.newVersion}`);
        if (r.code === 'DRAFT_CONFLICT' && r.currentVersion === r.baseVersion) fail(`draft conflict although the current version is the base ${r.baseVersion}`);
        break;
      case 'edit':
        if (r.status === 200 && r.newVersion !== r.version! + 1) fail(`annotation edited at version ${r.version} became version ${r.newVersion}`);
        if (r.code === 'VERSION_CONFLICT' && r.currentVersion === r.version) fail(`annotation conflict at its current version ${r.version}`);
        break;
      case 'delete':
        if (r.code === 'VERSION_CONFLICT' && r.currentVersion === r.version) fail(`delete conflict at the current version ${r.version}`);
        break;
      case 'score': {
        const over = r.points! > maxOf.get(r.questionId!)!;
        // the lease is checked first, so an over-the-maximum score may also get LOCK_REQUIRED; never a success
        if ((over && r.status === 200) || (!over && r.status === 400)) fail(`score of ${r.points} (max ${maxOf.get(r.questionId!)}) answered ${r.status}`);
        if (r.status === 200 && r.newVersion !== (r.version ?? 0) + 1) fail(`score written at version ${r.version ?? 'none'} became version ${r.newVersion}`);
        if (r.code === 'VERSION_CONFLICT' && (r.currentVersion ?? undefined) === r.version) fail(`score conflict at its current version ${r.version}`);
        break;
      }
    }
  }
  function addGrant(r: Rec) {
    // the server took `now` between s0 and s1 and answered now + TTL
    const issue = Math.min(Math.max(t(r.expiresAt!) - p.leaseTtlMs, r.s0), r.s1);
    const k = `${r.copyId}|${r.actor}`;
    grants.set(k, [...(grants.get(k) ?? []), { issue, expires: t(r.expiresAt!) }]);
  }

  // ------------------------------------------------------------ 2. one success per version step, final rows = last success
  const ok = (kind: OpKind, status: number) => history.filter((r) => r.kind === kind && r.status === status);
  chains(
    'draft',
    ok('draft', 200),
    (r) => `${r.copyId}|${r.actor}`,
    1,
    (key, last) => {
      const [copyId, owner] = key.split('|');
      const row = snap.drafts.find((d) => d.copy_id === copyId && d.owner_id === owner);
      if (!row || row.version !== last.newVersion || row.payload !== JSON.stringify(last.payload)) {
        fail(`draft ${key}: the database holds version ${row?.version} (${row?.payload}), the last save was version ${last.newVersion}`);
      }
    },
  );
  for (const d of snap.drafts) if (!ok('draft', 200).some((r) => r.copyId === d.copy_id && r.actor === d.owner_id)) fail(`draft row nobody saved: ${d.copy_id}`);

  const created = new Map(ok('annotate', 201).map((r) => [r.annotationId!, r]));
  if (created.size !== ok('annotate', 201).length) fail('an annotation id was returned twice');
  const edits = ok('edit', 200);
  const deletes = ok('delete', 204);
  for (const [id, c] of created) {
    const mine = edits.filter((r) => r.annotationId === id).sort((a, b) => a.newVersion! - b.newVersion!);
    mine.forEach((r, i) => {
      if (r.newVersion !== i + 2) fail(`annotation ${id}: successful edits produced versions ${mine.map((e) => e.newVersion).join(',')}`);
    });
    const last = mine.at(-1) ?? c;
    const finalVersion = mine.length + 1;
    const gone = deletes.filter((r) => r.annotationId === id);
    const row = snap.annotations.find((a) => a.id === id);
    if (gone.length > 1) fail(`annotation ${id} deleted ${gone.length} times`);
    if (gone.length === 1) {
      if (gone[0]!.version !== finalVersion) fail(`annotation ${id} deleted at version ${gone[0]!.version} but edited up to version ${finalVersion}`);
      if (row) fail(`annotation ${id} was deleted (204) but is still in the database`);
    } else if (!row) fail(`annotation ${id} vanished without a successful delete`);
    else if (row.version !== finalVersion || row.content !== last.content) {
      fail(`annotation ${id}: database version ${row.version} "${row.content}", last success version ${finalVersion} "${last.content}"`);
    }
  }
  for (const a of snap.annotations) if (!created.has(a.id)) fail(`annotation ${a.id} in the database that no request created`);
  for (const r of [...edits, ...deletes]) if (!created.has(r.annotationId!)) fail(`success on an annotation never created: ${describe(r)}`);

  chains(
    'score',
    ok('score', 200),
    (r) => `${r.copyId}|${r.questionId}`,
    1,
    (key, last) => {
      const [copyId, questionId] = key.split('|');
      const row = snap.scores.find((s) => s.copy_id === copyId && s.question_id === questionId);
      if (!row || row.version !== last.newVersion || row.points !== last.points) {
        fail(`score ${key}: database ${row?.points} at version ${row?.version}, last success ${last.points} at version ${last.newVersion}`);
      }
    },
  );
  for (const s of snap.scores) {
    if (s.points < 0 || s.points > s.max_points || s.points > (maxOf.get(s.question_id) ?? -1)) fail(`score out of range: ${JSON.stringify(s)}`);
  }

  function chains(what: string, successes: Rec[], keyOf: (r: Rec) => string, first: number, final: (key: string, last: Rec) => void) {
    const by = new Map<string, Rec[]>();
    for (const r of successes) by.set(keyOf(r), [...(by.get(keyOf(r)) ?? []), r]);
    for (const [key, rs] of by) {
      rs.sort((a, b) => a.newVersion! - b.newVersion!);
      const versions = rs.map((r) => r.newVersion!);
      if (versions.some((v, i) => v !== first + i)) fail(`${what} ${key}: successful writes produced versions ${versions.join(',')} (one success per step expected)`);
      bump(`${what} chains`);
      bump(`${what} chain steps`, rs.length);
      final(key, rs.at(-1)!);
    }
  }

  // ------------------------------------------------------------ 3. replay every copy's events through the model
  // each write's event belongs to the request that made it, whose clock reading it lies between
  const requests = new Map<string, Rec[]>();
  for (const r of history) {
    const k = requestKey(r);
    if (k) requests.set(k, [...(requests.get(k) ?? []), r]);
  }
  const sentAt = new Map<string, number>();
  for (const e of snap.events) {
    const k = eventKey(e);
    if (!k) continue;
    const at = t(e.created_at);
    const r = requests.get(k)?.find((x) => x.actor === e.actor_id && x.s0 <= at && at <= x.s1);
    if (r) sentAt.set(e.id, r.s0);
    else fail(`copy ${e.copy_id}: ${e.action} by ${e.actor_id} at ${e.created_at} (${k}) answers no request of that actor`);
  }
  const eventsOf = new Map<string, EventRow[]>();
  for (const e of snap.events) eventsOf.set(e.copy_id, [...(eventsOf.get(e.copy_id) ?? []), e]);
  const finalStates = new Map<string, State>();
  for (const copy of snap.copies) {
    const events = (eventsOf.get(copy.id) ?? []).sort((a, b) => t(a.created_at) - t(b.created_at) || a.id.localeCompare(b.id));
    const leases: Lease[] = [];
    const grantsOf = (owner: string) => grants.get(`${copy.id}|${owner}`) ?? [];
    // a lease acquired at `since` runs at least until since + TTL, and until the end of every renewal granted since
    const clearlyLive = (h: State['holder'], at: number) =>
      !!h &&
      (at < h.since + p.leaseTtlMs - p.slackMs ||
        grantsOf(h.owner).some((g) => g.issue >= h.since - p.slackMs && g.issue < at - p.slackMs && g.expires > at + p.slackMs));
    // the lease was checked no earlier than the request was sent (for a write), or than the slack allows (a
    // tick may have moved the clock between that check and the event's own reading)
    const checkedFrom = (e: EventRow, at: number) =>
      sentAt.get(e.id) ?? Math.min(at, ...p.ticks.filter((k) => k.to <= at && at <= k.to + p.slackMs).map((k) => k.from)) - p.slackMs;
    const maybeLive = (h: State['holder'], e: EventRow, at: number) =>
      !!h && grantsOf(h.owner).some((g) => g.issue >= h.since - p.slackMs && g.issue <= at + p.slackMs && g.expires > checkedFrom(e, at));

    const step = (s: State, e: EventRow, record?: Lease[]): State | string => {
      const at = t(e.created_at);
      const m = e.metadata;
      const actor = e.actor_id;
      const isAdmin = actor === p.adminId;
      const endLease = (next: State) => {
        if (record && s.holder) record.at(-1)!.end = at;
        return { ...next, holder: null };
      };
      const editByHolder = () => {
        if (s.status !== 'READY') return `${e.action} on a ${s.status} copy`;
        if (s.holder?.owner !== actor) return `${e.action} by ${actor} while the lease is ${s.holder ? `held by ${s.holder.owner}` : 'free'}`;
        if (!maybeLive(s.holder, e, at)) return `${e.action} by ${actor} after its lease had expired`;
        return null;
      };
      const tr = TRANSITIONS[e.action];
      if (tr && !tr.from.includes(s.status)) return `${e.action} from ${s.status}`;
      switch (e.action) {
        case 'VALIDATED':
          return { ...s, status: tr!.to };
        case 'LEASE_ACQUIRED': {
          if (s.status !== 'READY') return `lease acquired on a ${s.status} copy`;
          if (clearlyLive(s.holder, at)) return `lease acquired by ${actor} while ${s.holder!.owner}'s lease was live`;
          if (record) {
            if (s.holder) record.at(-1)!.end = at;
            record.push({ owner: actor!, start: at, end: Infinity });
          }
          return { ...s, holder: { owner: actor!, since: at } };
        }
        case 'LEASE_RELEASED':
          if (s.holder?.owner !== actor) return `lease released by ${actor} who does not hold it`;
          return endLease(s);
        case 'LEASE_BROKEN':
          if (!isAdmin) return `lease broken by a non-admin ${actor}`;
          if (!s.holder || s.holder.owner !== m.owner) return `lease of ${m.owner} broken while held by ${s.holder?.owner ?? 'nobody'}`;
          return endLease(s);
        case 'LEASE_EXPIRED':
          if (!s.holder || s.holder.owner !== m.owner || clearlyLive(s.holder, at)) return `live or foreign lease reported expired`;
          return endLease(s);
        case 'ANNOTATION_CREATED': {
          const bad = editByHolder();
          if (bad) return bad;
          if (s.annotations.has(m.annotationId)) return `annotation ${m.annotationId} created twice`;
          return { ...s, annotations: new Map(s.annotations).set(m.annotationId, 1) };
        }
        case 'ANNOTATION_UPDATED': {
          const bad = editByHolder();
          if (bad) return bad;
          if (s.annotations.get(m.annotationId) !== m.version - 1) return `annotation ${m.annotationId} went from ${s.annotations.get(m.annotationId)} to ${m.version}`;
          return { ...s, annotations: new Map(s.annotations).set(m.annotationId, m.version) };
        }
        case 'ANNOTATION_DELETED': {
          const bad = editByHolder();
          if (bad) return bad;
          if (s.annotations.get(m.annotationId) !== m.version) return `annotation ${m.annotationId} at ${s.annotations.get(m.annotationId)} deleted at version ${m.version}`;
          const annotations = new Map(s.annotations);
          annotations.delete(m.annotationId);
          return { ...s, annotations };
        }
        case 'SCORE_SET': {
          const bad = editByHolder();
          if (bad) return bad;
          if ((s.scores.get(m.questionId)?.version ?? 0) !== m.version - 1) return `score ${m.questionId} went from ${s.scores.get(m.questionId)?.version} to ${m.version}`;
          if (!!m.wasNotScored !== s.notScored.has(m.questionId)) return `score ${m.questionId} says wasNotScored=${!!m.wasNotScored}, the model ${s.notScored.has(m.questionId)}`;
          const notScored = new Set(s.notScored);
          notScored.delete(m.questionId);
          return { ...s, notScored, scores: new Map(s.scores).set(m.questionId, { points: m.points, version: m.version }) };
        }
        case 'QUESTION_NOT_SCORED': {
          // written in the transaction that moved the copy out of READY, by the actor who moved it
          if (s.status !== 'LOCKED' && s.status !== 'GRADING_IN_PROGRESS') return `question marked not scored on a ${s.status} copy`;
          if (!leaves.has(m.questionId)) return `question ${m.questionId} marked not scored is not a leaf`;
          if (s.scores.has(m.questionId) || s.notScored.has(m.questionId)) return `question ${m.questionId} marked not scored while it has a score or a mark`;
          return { ...s, notScored: new Set(s.notScored).add(m.questionId) };
        }
        case 'SUBMITTED': {
          const bad = editByHolder();
          if (bad) return bad;
          return endLease({ ...s, status: tr!.to, submitter: actor });
        }
        case 'UNLOCKED':
          if (!isAdmin && s.submitter !== actor) return `unlocked by ${actor}, submitted by ${s.submitter}`;
          return { ...s, status: tr!.to, submitter: null };
        case 'FINALIZE_REQUESTED': {
          const holds = s.holder?.owner === actor && maybeLive(s.holder, e, at);
          const allowed = isAdmin || (s.status === 'READY' ? holds : holds || s.submitter === actor);
          if (!allowed) return `finalize by ${actor} on a ${s.status} copy it neither submitted nor holds`;
          return endLease({ ...s, status: tr!.to });
        }
        case 'FINALIZE_OK': {
          const total = computeTotal([...s.scores].map(([question_id, v]) => ({ question_id, points: v.points })), leaves);
          if (m.finalScore !== total) return `final score ${m.finalScore} but computeTotal of the scores at that point is ${total}`;
          return { ...s, status: tr!.to, lastFinal: { blobId: m.blobId, finalScore: m.finalScore } };
        }
        case 'FINALIZE_FAILED':
          return { ...s, status: tr!.to };
        case 'REOPENED':
          if (!isAdmin) return `reopened by a non-admin ${actor}`;
          return { ...s, status: tr!.to, submitter: null, lastFinal: null };
        default:
          return `event ${e.action} is not part of the model`;
      }
    };

    const init: State = { status: 'STAGING', submitter: null, holder: null, scores: new Map(), notScored: new Set(), annotations: new Map(), lastFinal: null };
    const found = linearize(events, init, (s, e) => step(s, e), p.slackMs, resourceOf);
    if ('error' in found) {
      fail(`copy ${copy.id}: no serial order of its ${events.length} events is explained by the model — ${found.error}`);
      continue;
    }
    bump('events replayed', events.length);
    bump('events taken out of timestamp order', found.reordered);
    let s = init;
    for (const e of found.order) s = step(s, e, leases) as State;
    finalStates.set(copy.id, s);
    bump('leases', leases.length);

    // every lease the server granted (lock or heartbeat answer) lies inside one of its holder's lease intervals
    for (const [key, gs] of grants) {
      const [copyId, owner] = key.split('|');
      if (copyId !== copy.id) continue;
      for (const g of gs) {
        if (!leases.some((l) => l.owner === owner && l.start - p.slackMs <= g.issue && g.issue <= l.end + p.slackMs)) {
          fail(`copy ${copy.id}: a lease answer to ${owner} at ${new Date(g.issue).toISOString()} falls outside every lease interval of ${owner}`);
        }
      }
    }
    // every accepted write (drafts have no event of their own) was answered while its author held the lease
    for (const r of history) {
      if (r.copyId !== copy.id || !WRITES.has(`${r.kind} ${r.status}`)) continue;
      if (!leases.some((l) => l.owner === r.actor && l.start - p.slackMs <= r.s1 && r.s0 <= l.end + p.slackMs)) {
        fail(`copy ${copy.id}: ${describe(r)} while ${r.actor} held no lease`);
      }
    }
    for (let i = 1; i < leases.length; i++) if (leases[i]!.owner !== leases[i - 1]!.owner && leases[i - 1]!.end === leases[i]!.start) bump('takeovers of expired leases');

    // the final state of the model is the database's
    if (s.status !== copy.status) fail(`copy ${copy.id}: the model ends ${s.status}, the database says ${copy.status}`);
    if (s.submitter !== copy.locked_by) fail(`copy ${copy.id}: the model's submitter ${s.submitter}, the database's locked_by ${copy.locked_by}`);
    const lock = snap.locks.filter((l) => l.copy_id === copy.id);
    if (lock.length > 1) fail(`copy ${copy.id} has ${lock.length} lease rows`);
    if ((lock[0]?.owner_id ?? null) !== (s.holder?.owner ?? null)) fail(`copy ${copy.id}: lease row of ${lock[0]?.owner_id ?? 'nobody'}, the model's holder ${s.holder?.owner ?? 'nobody'}`);
    if (lock.length && copy.status !== 'READY') fail(`copy ${copy.id} is ${copy.status} but has a lease row`);
    // complete before final: past READY, every leaf question has a score or a "not scored" mark, never both
    const marks = new Set(snap.unscored.filter((u) => u.copy_id === copy.id).map((u) => u.question_id));
    if ([...marks].sort().join() !== [...s.notScored].sort().join()) fail(`copy ${copy.id}: marked not scored ${[...marks]}, the model ${[...s.notScored]}`);
    for (const q of leaves) {
      const scored = snap.scores.some((x) => x.copy_id === copy.id && x.question_id === q);
      if (scored && marks.has(q)) fail(`copy ${copy.id}: question ${q} has a score and a "not scored" mark`);
      if (copy.status !== 'READY' && copy.status !== 'STAGING' && !scored && !marks.has(q)) fail(`copy ${copy.id} is ${copy.status} with question ${q} neither scored nor marked`);
    }

    // events = successes, per copy
    const count = (action: string, actor?: string) => events.filter((e) => e.action === action && (actor === undefined || e.actor_id === actor)).length;
    const answers = (kind: OpKind, status: number, actor?: string) =>
      history.filter((r) => r.copyId === copy.id && r.kind === kind && r.status === status && (actor === undefined || r.actor === actor)).length;
    const expectSame = (what: string, events: number, successes: number) => {
      if (events !== successes) fail(`copy ${copy.id}: ${events} ${what} events but ${successes} successful answers`);
    };
    expectSame('ANNOTATION_CREATED', count('ANNOTATION_CREATED'), answers('annotate', 201));
    expectSame('ANNOTATION_UPDATED', count('ANNOTATION_UPDATED'), answers('edit', 200));
    expectSame('ANNOTATION_DELETED', count('ANNOTATION_DELETED'), answers('delete', 204));
    expectSame('SCORE_SET', count('SCORE_SET'), answers('score', 200));
    expectSame('SUBMITTED', count('SUBMITTED'), answers('submit', 200));
    expectSame('UNLOCKED', count('UNLOCKED'), answers('unlock', 200));
    expectSame('REOPENED', count('REOPENED'), answers('reopen', 200));
    const actors = new Set(history.map((r) => r.actor));
    for (const a of actors) {
      const tokens = new Set(history.filter((r) => r.copyId === copy.id && r.actor === a && r.kind === 'lock' && r.status === 200).map((r) => r.token));
      expectSame(`LEASE_ACQUIRED by ${a}`, count('LEASE_ACQUIRED', a), tokens.size);
      // releasing a lease that is already gone is answered 204 and changes nothing
      const ended = count('LEASE_RELEASED', a) + count('LEASE_BROKEN', a);
      if (ended > answers('release', 204, a)) fail(`copy ${copy.id}: ${ended} leases released or broken by ${a} but ${answers('release', 204, a)} successful answers`);
    }

    // finalize: one job per request, each done once; one final PDF per FINALIZE_OK; GRADED ⇒ its PDF and total
    const jobs = snap.jobs.filter((j) => j.kind === 'FLATTEN_COPY' && j.ref_id === copy.id);
    const answered = new Set(history.filter((r) => r.copyId === copy.id && r.kind === 'finalize' && r.status === 202).map((r) => r.jobId));
    expectSame('FINALIZE_REQUESTED (jobs)', count('FINALIZE_REQUESTED'), jobs.length);
    if (answered.size !== jobs.length || jobs.some((j) => !answered.has(j.id))) fail(`copy ${copy.id}: 202 answers named jobs ${[...answered]}, the jobs are ${jobs.map((j) => j.id)}`);
    for (const j of jobs) {
      if (!p.jobRuns) {
        if (j.status !== 'DONE' || j.attempts !== 1) fail(`job ${j.id} of copy ${copy.id} is ${j.status} after ${j.attempts} attempts`);
        continue;
      }
      // every claim runs the handler once, except a claim past the last attempt, which gives up (a worker lost too often)
      const runs = p.jobRuns.filter((r) => r.jobId === j.id);
      if (j.status === 'DONE' ? j.attempts !== runs.length : j.status !== 'FAILED' || j.attempts <= 3 || runs.length !== j.attempts - 1) {
        fail(`job ${j.id} of copy ${copy.id} is ${j.status} after ${j.attempts} attempts and ${runs.length} runs of its handler`);
      }
      if (runs.length > 1) bump('finalize jobs re-claimed');
      for (const r of runs.filter((x) => x.reclaimed)) {
        // its job is another worker's now: the replay refuses a second FINALIZE_OK (from GRADED), and one made
        // with what the run read before a reopen would carry a total that is not computeTotal of the scores then
        bump(r.afterDone ? 'stalled runs finishing after the re-claim finished' : 'stalled runs finishing alongside the re-claim');
      }
    }
    const oks = events.filter((e) => e.action === 'FINALIZE_OK');
    const pdfs = snap.finalPdfs.filter((f) => f.copy_id === copy.id);
    expectSame('FINALIZE_OK (final_pdfs rows)', oks.length, pdfs.length);
    for (const e of oks) {
      if (!pdfs.some((f) => f.blob_id === e.metadata.blobId && f.final_score === e.metadata.finalScore)) fail(`copy ${copy.id}: FINALIZE_OK ${e.metadata.blobId} has no matching final_pdfs row`);
    }
    if (p.jobRuns && oks.length > count('FINALIZE_REQUESTED')) fail(`copy ${copy.id}: ${oks.length} FINALIZE_OK for ${count('FINALIZE_REQUESTED')} requests`);
    if (copy.status === 'GRADED') {
      const scores = snap.scores.filter((x) => x.copy_id === copy.id);
      if (copy.final_blob_id !== s.lastFinal?.blobId) fail(`copy ${copy.id} GRADED with PDF ${copy.final_blob_id}, the last FINALIZE_OK made ${s.lastFinal?.blobId}`);
      if (copy.final_score !== computeTotal(scores, leaves)) fail(`copy ${copy.id} GRADED with ${copy.final_score}, computeTotal of its scores is ${computeTotal(scores, leaves)}`);
    } else if (copy.final_blob_id !== null) fail(`copy ${copy.id} is ${copy.status} with a final PDF`);
    if (copy.status === 'GRADING_IN_PROGRESS') fail(`copy ${copy.id} still GRADING_IN_PROGRESS once the runner is drained`);
    bump(`copies ending ${copy.status}`);
  }
  // a finalize run that lost (a late worker) leaves at most an orphan file, never a blobs row
  const referenced = new Set(snap.finalPdfs.map((f) => f.blob_id));
  for (const b of snap.pdfBlobs ?? []) if (!referenced.has(b)) fail(`PDF blob ${b} is in the blobs table but no final_pdfs row names it`);

  // reopens sent together from several tabs: at most one wins, the others see the copy already reopened
  const races = new Map<string, Rec[]>();
  for (const r of history) if (r.race !== undefined) races.set(`${r.actor}|${r.race}`, [...(races.get(`${r.actor}|${r.race}`) ?? []), r]);
  for (const rs of races.values()) {
    const won = rs.filter((r) => r.status === 200).length;
    bump('reopen races');
    if (won) bump('reopen races won');
    if (won > 1) fail(`${won} of ${rs.length} parallel reopens of copy ${rs[0]!.copyId} succeeded`);
    for (const r of rs) if (r.status !== 200 && r.code !== 'INVALID_STATE') fail(`parallel reopen answered ${describe(r)}`);
  }
  for (const r of history) if (r.kind === 'reopen' && r.currentStatus === 'GRADED') fail(`a reopen refused while the copy was GRADED: ${describe(r)}`);
  bump('operations', history.length);
  return { violations, stats };
}

/**
 * Finds an order of `events` that `step` accepts, moving an event ahead of earlier ones only when its timestamp
 * is within `slackMs` of theirs. Depth-first, in timestamp order first; events on different annotations or
 * questions commute, so with sleep sets (partial-order reduction) only the orders of events that do not commute
 * are tried.
 */
export function linearize<S, E extends { created_at: string }>(
  events: E[],
  init: S,
  step: (s: S, e: E) => S | string,
  slackMs: number,
  resource: (e: E) => string | null,
  budget = 500_000,
): { order: E[]; reordered: number } | { error: string } {
  const n = events.length;
  const time = events.map((e) => t(e.created_at));
  const key = events.map(resource);
  const commute = (a: number, b: number) => key[a] !== null && key[b] !== null && key[a] !== key[b];
  const used = new Uint8Array(n);
  interface Frame {
    state: S;
    first: number;
    candidates: number[];
    next: number;
    chosen: number;
    sleep: number[];
    explored: number[];
    refused: string[];
  }
  const frame = (state: S, from: number, chosen: number, sleep: number[]): Frame => {
    let first = from;
    while (first < n && used[first]) first++;
    const candidates: number[] = [];
    for (let j = first; j < n && time[j]! <= time[first]! + slackMs; j++) if (!used[j] && !sleep.includes(j)) candidates.push(j);
    return { state, first, candidates, next: 0, chosen, sleep, explored: [], refused: [] };
  };
  const stack: Frame[] = [frame(init, 0, -1, [])];
  let deepest = { depth: -1, why: '' };
  for (let steps = 0; stack.length; steps++) {
    if (stack.length - 1 === n) {
      const order = stack.slice(1).map((f) => events[f.chosen]!);
      return { order, reordered: stack.slice(1).filter((f, i) => f.chosen !== i).length };
    }
    if (steps > budget) return { error: `search budget exhausted; deepest dead end ${deepest.why}` };
    const top = stack.at(-1)!;
    if (top.next >= top.candidates.length) {
      if (stack.length - 1 > deepest.depth && top.refused.length) {
        deepest = { depth: stack.length - 1, why: `after ${stack.length - 1} events, nothing can come next: ${top.refused.join('; ')}` };
      }
      stack.pop();
      if (top.chosen >= 0) {
        used[top.chosen] = 0;
        stack.at(-1)?.explored.push(top.chosen);
      }
      continue;
    }
    const j = top.candidates[top.next++]!;
    const r = step(top.state, events[j]!);
    if (typeof r === 'string') {
      const e = events[j] as unknown as EventRow;
      if (top.refused.length < 4) top.refused.push(`${e.action} by ${e.actor_id} at ${e.created_at}: ${r}`);
      continue;
    }
    used[j] = 1;
    // what was already explored from here and commutes with j need not be tried right after j
    stack.push(frame(r, top.first, j, [...top.sleep, ...top.explored].filter((k) => !used[k] && commute(k, j))));
  }
  return { error: deepest.why || 'no event can come first' };
}
