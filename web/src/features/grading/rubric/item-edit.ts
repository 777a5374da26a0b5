/** The fields of an item edit that differ from the item (what preview and PATCH send). Pure, tested. */
import { parsePoints } from '../../../lib/points';
import type { ItemFields } from './rubric-api';
import type { RubricItem } from './rubric-types';

export interface ItemDraft {
  label: string;
  comment: string;
  points: string;
  group: string;
}

export type EditPlan = { ok: true; fields: ItemFields; changesScores: boolean } | { ok: false; error: 'label' | 'points' };

export function planItemEdit(item: RubricItem, d: ItemDraft): EditPlan {
  const p = parsePoints(d.points, { signed: true });
  if (!d.label.trim()) return { ok: false, error: 'label' };
  if (!p.ok || p.value === null) return { ok: false, error: 'points' };
  const fields: ItemFields = {};
  if (d.label.trim() !== item.label) fields.label = d.label.trim();
  if (d.comment.trim() !== (item.comment ?? '')) fields.comment = d.comment.trim();
  if (p.value !== item.points) fields.points = p.value;
  if ((d.group.trim() || null) !== (item.group || null)) fields.group = d.group.trim() || null;
  return { ok: true, fields, changesScores: fields.points !== undefined || fields.group !== undefined };
}
