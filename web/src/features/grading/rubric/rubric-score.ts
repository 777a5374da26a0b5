/**
 * A question's score from its rubric, as the desk shows it before the server answers (the server computes the
 * saved one with the same rule, contracts/src/rubric.schema.ts):
 *   base  = the applied ABSOLUTE item's points, else 0 (additive) or the maximum (subtractive)
 *   items = clamp(base + Σ applied deltas, 0, max);  score = clamp(items + adjustment, 0, max)
 * Free mode: the typed points count. Pure, tested.
 */
import type { Applied, RubricItem, RubricWant, ScoringMode } from './rubric-types';

export interface Computed {
  /** null in free mode (the typed points count) */
  points: number | null;
  /** the sum before clamping */
  raw: number;
  clamped: boolean;
}

export function computeScore(mode: ScoringMode, maxPoints: number, items: RubricItem[], want: RubricWant): Computed {
  if (mode === 'FREE') return { points: null, raw: 0, clamped: false };
  const byId = new Map(items.map((i) => [i.id, i]));
  const chosen = want.applied.map((a) => byId.get(a.itemId)).filter((i): i is RubricItem => !!i);
  const max = Math.max(0, maxPoints);
  const clamp = (v: number) => Math.min(max, Math.max(0, v));
  const absolute = chosen.find((i) => i.kind === 'ABSOLUTE');
  const base = absolute ? absolute.points : mode === 'SUBTRACTIVE' ? max : 0;
  const sum = base + chosen.filter((i) => i.kind !== 'ABSOLUTE').reduce((s, i) => s + i.points, 0);
  const raw = sum + (want.adjustment ?? 0);
  const points = clamp(clamp(sum) + (want.adjustment ?? 0));
  return { points, raw, clamped: points !== raw };
}

export const isApplied = (want: RubricWant, itemId: string) => want.applied.some((a) => a.itemId === itemId);

/**
 * Applies the item, or takes it off when applied. Applying an item of a "pick one" group takes the group's other
 * items off; so does an absolute item for the other absolute ones.
 */
export function toggleItem(want: RubricWant, item: RubricItem, items: RubricItem[]): RubricWant {
  if (isApplied(want, item.id)) return { ...want, applied: want.applied.filter((a) => a.itemId !== item.id) };
  const excludes = (i: RubricItem) => i.questionId === item.questionId && ((!!item.group && i.group === item.group) || (item.kind === 'ABSOLUTE' && i.kind === 'ABSOLUTE'));
  const sameGroup = new Set(items.filter(excludes).map((i) => i.id));
  return { ...want, applied: [...want.applied.filter((a) => !sameGroup.has(a.itemId)), { itemId: item.id }] };
}

/** Places the badge of an applied item on the page (applying it first when it was not). */
export function placeItem(want: RubricWant, item: RubricItem, items: RubricItem[], at: { pagePosition: number; x: number; y: number }): RubricWant {
  const base = isApplied(want, item.id) ? want : toggleItem(want, item, items);
  return { ...base, applied: base.applied.map((a): Applied => (a.itemId === item.id ? { itemId: a.itemId, ...at } : a)) };
}

/** Same items (order aside), same badge places, same adjustment. */
export function sameWant(a: RubricWant, b: RubricWant): boolean {
  if ((a.adjustment ?? 0) !== (b.adjustment ?? 0) || a.applied.length !== b.applied.length) return false;
  const key = (x: Applied) => `${x.itemId}@${x.pagePosition ?? ''}:${x.x ?? ''}:${x.y ?? ''}`;
  const sa = a.applied.map(key).sort();
  const sb = b.applied.map(key).sort();
  return sa.every((k, i) => k === sb[i]);
}

/** Same items applied and same adjustment, badge places aside (what changes the score). */
export function sameScoring(a: RubricWant, b: RubricWant): boolean {
  return sameWant({ applied: a.applied.map((x) => ({ itemId: x.itemId })), adjustment: a.adjustment }, { applied: b.applied.map((x) => ({ itemId: x.itemId })), adjustment: b.adjustment });
}

/** The items a question offers at the desk: not retired, in their order. */
export function activeItems(items: RubricItem[], questionId: string): RubricItem[] {
  return items.filter((i) => i.questionId === questionId && !i.retired).sort((a, b) => a.order - b.order || a.label.localeCompare(b.label));
}
