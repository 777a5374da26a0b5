/**
 * Annotation writes that had not reached the server when the tab closed or crashed. The sync queue's unanswered
 * operations go into the draft payload (server and localStorage) with the server identity {id, version} of every
 * record they touch and the lease token they were made under; on reopen they are reconciled with what the server
 * has now, then replayed through the same queue (so versions and conflicts work as usual).
 *
 * Reconciling matters because the operations at the head of the queue may have landed without their answer
 * arriving (the page died in between): a create that landed is adopted instead of created twice, patches the server
 * already shows are dropped, a delete of a record that is gone is dropped. Anything else is replayed with the
 * version it was based on, so a change made meanwhile by someone else surfaces as a conflict, never overwritten.
 */
import type { Op } from './commands';
import { type AnnFields, type AnnRecord, type AnnState, FIELD_NAMES, type Pt } from './model';
import type { AnnType } from './model';

export interface ServerRef {
  id: string;
  version: number;
}

export interface PendingWrites {
  /** the lease token the writes were made under: the same token on reopen means nobody else could write since */
  token: string;
  /** in order; a key is the server id when the record is on the server, else a local key */
  ops: Op[];
  /** server identity, as the queue knew it, of each op key that is on the server */
  base: Record<string, ServerRef>;
  /** every server id the queue knew then: a create that landed unanswered made a record not among them */
  seen: string[];
}

const TYPES: AnnType[] = ['COMMENT', 'HIGHLIGHT', 'TICK', 'CROSS', 'SCORE', 'FREEHAND'];
const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isPoints = (v: unknown): v is Pt[] => Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && isNum(p[0]) && isNum(p[1]));

/** Checks one field's value (as sent to the server). */
function validField(name: keyof AnnFields, v: unknown): boolean {
  switch (name) {
    case 'x':
    case 'y':
    case 'w':
    case 'h':
      return isNum(v);
    case 'content':
    case 'questionId':
      return v === null || isStr(v);
    case 'scoreDelta':
      return v === null || (isNum(v) && Number.isInteger(v));
    case 'points':
      return v === null || isPoints(v);
  }
}

function parseOp(raw: unknown): Op | null {
  if (!isObj(raw) || !isStr(raw.key) || !raw.key) return null;
  if (raw.kind === 'delete') return { kind: 'delete', key: raw.key };
  if (raw.kind === 'patch') {
    if (!isObj(raw.fields)) return null;
    const fields: Partial<AnnFields> = {};
    for (const [k, v] of Object.entries(raw.fields)) {
      if (!(FIELD_NAMES as readonly string[]).includes(k) || !validField(k as keyof AnnFields, v)) return null;
      (fields as Record<string, unknown>)[k] = v;
    }
    return { kind: 'patch', key: raw.key, fields };
  }
  if (raw.kind === 'create') {
    const b = raw.body;
    if (!isObj(b) || !isNum(b.pagePosition) || !Number.isInteger(b.pagePosition) || !TYPES.includes(b.type as AnnType)) return null;
    for (const name of FIELD_NAMES) if (!validField(name, b[name] ?? null)) return null;
    return {
      kind: 'create',
      key: raw.key,
      body: {
        pagePosition: b.pagePosition,
        type: b.type as AnnType,
        x: b.x as number,
        y: b.y as number,
        w: b.w as number,
        h: b.h as number,
        content: (b.content ?? null) as string | null,
        points: (b.points ?? null) as Pt[] | null,
        scoreDelta: (b.scoreDelta ?? null) as number | null,
        questionId: (b.questionId ?? null) as string | null,
      },
    };
  }
  return null;
}

/**
 * Reads pending writes back from a draft payload. Anything malformed makes the whole batch unreadable (null):
 * replaying half of an ordered batch could apply a patch without the create it belongs to.
 */
export function parsePendingWrites(raw: unknown): PendingWrites | null {
  if (!isObj(raw) || !isStr(raw.token) || !Array.isArray(raw.ops) || !isObj(raw.base)) return null;
  if (!Array.isArray(raw.seen) || !raw.seen.every(isStr)) return null;
  const ops: Op[] = [];
  for (const o of raw.ops) {
    const op = parseOp(o);
    if (!op) return null;
    ops.push(op);
  }
  const base: Record<string, ServerRef> = {};
  for (const [k, v] of Object.entries(raw.base)) {
    if (!isObj(v) || !isStr(v.id) || !isNum(v.version)) return null;
    base[k] = { id: v.id, version: v.version };
  }
  return ops.length ? { token: raw.token, ops, base, seen: raw.seen } : null;
}

type Fields = Partial<AnnFields> & { pagePosition?: number; type?: AnnType };
const same = (a: unknown, b: unknown) =>
  isNum(a) && isNum(b) ? Math.abs(a - b) < 1e-9 : JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
/** `rec` shows every value of `want` */
const shows = (rec: AnnRecord, want: Fields) => Object.entries(want).every(([k, v]) => same((rec as unknown as Record<string, unknown>)[k], v));

/**
 * What is left to send, given the records the server has now (`loaded`, with their ids and versions).
 * Returns the operations to replay and the server identities to start from.
 */
export function planReplay(p: Omit<PendingWrites, 'token'>, loaded: AnnRecord[]): { ops: Op[]; base: Record<string, ServerRef> } {
  const byId = new Map(loaded.filter((r) => r.id).map((r) => [r.id!, r]));
  const base: Record<string, ServerRef> = { ...p.base };
  const claimed = new Set([...Object.values(base).map((b) => b.id), ...p.seen]);
  const drop = new Set<Op>();
  const rename = new Map<string, string>();

  const keys = [...new Set(p.ops.map((o) => o.key))];
  for (const key of keys) {
    const chain = p.ops.filter((o) => o.key === key);
    // the states this record went through, up to its first delete (a later re-create starts afresh)
    const cut = chain.findIndex((o) => o.kind === 'delete');
    const steps = cut < 0 ? chain : chain.slice(0, cut);
    const known = base[key];
    if (known) {
      const now = byId.get(known.id);
      if (!now) {
        // gone: a delete of mine that landed; otherwise (deleted elsewhere) the replay reports it as a conflict
        if (cut >= 0) chain.slice(0, cut + 1).forEach((o) => drop.add(o));
        continue;
      }
      if (now.version === known.version) continue; // nothing of mine landed, nobody else wrote
      // the server moved on: drop my patches it already shows (the longest prefix it matches)
      let acc: Fields = {};
      let upTo = -1;
      steps.forEach((o, i) => {
        if (o.kind !== 'patch') return;
        acc = { ...acc, ...o.fields };
        if (shows(now, acc)) upTo = i;
      });
      if (upTo >= 0) {
        steps.slice(0, upTo + 1).forEach((o) => drop.add(o));
        base[key] = { id: now.id!, version: now.version };
      }
      continue;
    }
    const first = steps[0];
    if (!first || first.kind !== 'create') continue;
    // a create whose answer never came: the server may have the record (as created, or with some of my patches)
    let acc: Fields = { ...first.body };
    const states: { upTo: number; fields: Fields }[] = [{ upTo: 0, fields: acc }];
    steps.forEach((o, i) => {
      if (o.kind === 'patch') states.push({ upTo: i, fields: (acc = { ...acc, ...o.fields }) });
    });
    for (const s of states.reverse()) {
      const match = loaded.find((r) => r.id && !claimed.has(r.id) && shows(r, s.fields));
      if (!match) continue;
      claimed.add(match.id!);
      rename.set(key, match.id!);
      base[match.id!] = { id: match.id!, version: match.version };
      steps.slice(0, s.upTo + 1).forEach((o) => drop.add(o));
      break;
    }
  }
  const ops = p.ops.filter((o) => !drop.has(o)).map((o) => (rename.has(o.key) ? { ...o, key: rename.get(o.key)! } : o));
  const used = new Set(ops.map((o) => o.key));
  return { ops, base: Object.fromEntries(Object.entries(base).filter(([k]) => used.has(k))) };
}

/** The overlay as it will be once `ops` are applied (what the teacher had on screen). */
export function applyOps(state: AnnState, ops: Op[]): AnnState {
  let s = state;
  for (const op of ops) {
    if (op.kind === 'create') {
      if (s.byKey[op.key]) continue;
      const rec: AnnRecord = { key: op.key, id: null, version: 0, ...op.body, points: op.body.points ?? null };
      s = { byKey: { ...s.byKey, [op.key]: rec }, order: [...s.order, op.key] };
    } else if (op.kind === 'patch') {
      const rec = s.byKey[op.key];
      if (rec) s = { ...s, byKey: { ...s.byKey, [op.key]: { ...rec, ...op.fields } } };
    } else if (s.byKey[op.key]) {
      const byKey = { ...s.byKey };
      delete byKey[op.key];
      s = { byKey, order: s.order.filter((k) => k !== op.key) };
    }
  }
  return s;
}
