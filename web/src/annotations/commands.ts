/**
 * Every change to the overlay is a command: applying it is a pure state transition; its inverse undoes it; the
 * operations it implies are sent to the server by the sync queue. Undo is just applying the inverse command.
 */
import { type AnnFields, type AnnRecord, type AnnState, createBody, FIELD_NAMES } from './model';

export type Command =
  | { kind: 'create'; record: AnnRecord }
  | { kind: 'update'; key: string; before: Partial<AnnFields>; after: Partial<AnnFields> }
  | { kind: 'delete'; record: AnnRecord };

export function invert(c: Command): Command {
  switch (c.kind) {
    case 'create':
      return { kind: 'delete', record: c.record };
    case 'delete':
      return { kind: 'create', record: c.record };
    case 'update':
      return { kind: 'update', key: c.key, before: c.after, after: c.before };
  }
}

export function apply(state: AnnState, c: Command): AnnState {
  switch (c.kind) {
    case 'create': {
      if (state.byKey[c.record.key]) return state;
      // a (re-)created annotation is not on the server until the sync queue says so
      const rec = { ...c.record, id: null, version: 0 };
      return { byKey: { ...state.byKey, [rec.key]: rec }, order: [...state.order, rec.key] };
    }
    case 'delete': {
      if (!state.byKey[c.record.key]) return state;
      const byKey = { ...state.byKey };
      delete byKey[c.record.key];
      return { byKey, order: state.order.filter((k) => k !== c.record.key) };
    }
    case 'update': {
      const rec = state.byKey[c.key];
      if (!rec) return state;
      return { ...state, byKey: { ...state.byKey, [c.key]: { ...rec, ...c.after } } };
    }
  }
}

/** Builds an update command from the record's current values (so undo restores exactly what was there). */
export function updateCommand(rec: AnnRecord, after: Partial<AnnFields>): Command | null {
  const before: Partial<AnnFields> = {};
  const changed: Partial<AnnFields> = {};
  for (const name of FIELD_NAMES) {
    if (!(name in after)) continue;
    const next = after[name];
    if (JSON.stringify(next) === JSON.stringify(rec[name])) continue;
    (before as Record<string, unknown>)[name] = rec[name];
    (changed as Record<string, unknown>)[name] = next;
  }
  return Object.keys(changed).length ? { kind: 'update', key: rec.key, before, after: changed } : null;
}

export interface History {
  past: Command[];
  future: Command[];
}
export const emptyHistory = (): History => ({ past: [], future: [] });
const LIMIT = 500;

/** A new user action: it goes on the undo stack and clears the redo stack. */
export function push(h: History, c: Command): History {
  return { past: [...h.past, c].slice(-LIMIT), future: [] };
}

/** Returns the command to apply (the inverse of the last one), or null when there is nothing to undo. */
export function undo(h: History): { history: History; command: Command } | null {
  const last = h.past[h.past.length - 1];
  if (!last) return null;
  return { history: { past: h.past.slice(0, -1), future: [...h.future, last] }, command: invert(last) };
}

export function redo(h: History): { history: History; command: Command } | null {
  const next = h.future[h.future.length - 1];
  if (!next) return null;
  return { history: { past: [...h.past, next], future: h.future.slice(0, -1) }, command: next };
}

/** Server operations implied by applying a command. */
export type Op =
  | { kind: 'create'; key: string; body: ReturnType<typeof createBody> }
  | { kind: 'patch'; key: string; fields: Partial<AnnFields> }
  | { kind: 'delete'; key: string };

export function opFor(c: Command): Op {
  switch (c.kind) {
    case 'create':
      return { kind: 'create', key: c.record.key, body: createBody(c.record) };
    case 'delete':
      return { kind: 'delete', key: c.record.key };
    case 'update':
      return { kind: 'patch', key: c.key, fields: c.after };
  }
}
