/**
 * What the desk autosaves: edits not yet confirmed to the server (score fields being typed, a comment being
 * written, annotation writes still on their way).
 */
import type { Rect } from '../../annotations/model';
import { parsePendingWrites, type PendingWrites } from '../../annotations/pending';

export interface CommentEditor {
  /** the annotation being edited, or null for a new comment box */
  key: string | null;
  page: number;
  rect: Rect;
  text: string;
}

export interface DraftScore {
  points: string;
  comment: string;
  base: number;
}

export interface DraftPayload {
  v: 1;
  /**
   * questionId → the text in the points and comment fields, when it differs from the saved score, with the version
   * of the saved score it was typed over (0: none): on reopen, an entry based on an older version is a conflict
   */
  scores: Record<string, DraftScore>;
  editor: CommentEditor | null;
  /** annotation writes the server has not answered yet */
  writes: PendingWrites | null;
}

export const emptyPayload = (): DraftPayload => ({ v: 1, scores: {}, editor: null, writes: null });

export function isEmpty(p: DraftPayload): boolean {
  return Object.keys(p.scores).length === 0 && !p.editor && !p.writes;
}

/** Accepts whatever came back from the server or localStorage; anything unexpected becomes empty. */
export function parsePayload(raw: unknown): DraftPayload {
  const out = emptyPayload();
  if (!raw || typeof raw !== 'object') return out;
  const o = raw as Record<string, unknown>;
  if (o.scores && typeof o.scores === 'object') {
    for (const [qid, v] of Object.entries(o.scores as Record<string, unknown>)) {
      if (v && typeof v === 'object') {
        const e = v as Record<string, unknown>;
        out.scores[qid] = {
          points: typeof e.points === 'string' ? e.points : '',
          comment: typeof e.comment === 'string' ? e.comment : '',
          // a draft from before versions were recorded: based on nothing, so any saved score makes it a conflict
          base: typeof e.base === 'number' && Number.isInteger(e.base) && e.base >= 0 ? e.base : 0,
        };
      }
    }
  }
  const ed = o.editor as Record<string, unknown> | null | undefined;
  if (ed && typeof ed === 'object' && ed.rect && typeof ed.text === 'string' && typeof ed.page === 'number') {
    const r = ed.rect as Rect;
    if ([r.x, r.y, r.w, r.h].every((n) => typeof n === 'number'))
      out.editor = { key: typeof ed.key === 'string' ? ed.key : null, page: ed.page, rect: r, text: ed.text };
  }
  out.writes = parsePendingWrites(o.writes);
  return out;
}
