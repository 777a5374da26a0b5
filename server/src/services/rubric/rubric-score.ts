/**
 * THE score of a question graded with rubric items (contracts/src/rubric.schema.ts). Pure: the rubric route, the
 * preview and the apply of an item edit all call it, so a preview equals what the edit does.
 *   base  = the applied ABSOLUTE item's points if any, else 0 (FREE, ADDITIVE) or the max (SUBTRACTIVE)
 *   items = clamp(base + Σ applied DELTA points, 0, max)
 *   score = clamp(items + adjustment, 0, max)
 */
export type ScoringMode = 'FREE' | 'ADDITIVE' | 'SUBTRACTIVE';

export interface ScoringItem {
  id: string;
  points: number;
  kind: 'DELTA' | 'ABSOLUTE';
  group_name: string | null;
}

const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));

export function rubricScore(mode: ScoringMode, maxPoints: number, applied: ReadonlyArray<ScoringItem>, adjustment: number): number {
  const absolute = applied.find((i) => i.kind === 'ABSOLUTE');
  const base = absolute ? absolute.points : mode === 'SUBTRACTIVE' ? maxPoints : 0;
  const deltas = applied.filter((i) => i.kind === 'DELTA').reduce((s, i) => s + i.points, 0);
  return clamp(clamp(base + deltas, maxPoints) + adjustment, maxPoints);
}

/**
 * Why a set of items cannot be applied together, or null: two items of one "pick one" group, or two ABSOLUTE
 * items (an absolute value is a pick-one of its own).
 */
export function applicationConflict(applied: ReadonlyArray<ScoringItem>): { group: string | null; itemIds: string[] } | null {
  const absolutes = applied.filter((i) => i.kind === 'ABSOLUTE');
  if (absolutes.length > 1) return { group: null, itemIds: absolutes.map((i) => i.id) };
  const byGroup = new Map<string, string[]>();
  for (const i of applied) if (i.group_name !== null) byGroup.set(i.group_name, [...(byGroup.get(i.group_name) ?? []), i.id]);
  for (const [group, ids] of byGroup) if (ids.length > 1) return { group, itemIds: ids };
  return null;
}

/** Totals histogram in bins of `binWidth` hundredths; the last bin includes the maximum. */
export function totalsHistogram(totals: ReadonlyArray<number>, maxTotal: number, binCount = 10) {
  const binWidth = Math.max(1, Math.ceil(maxTotal / binCount));
  const bins = Array.from({ length: binCount }, () => 0);
  for (const t of totals) bins[Math.min(binCount - 1, Math.max(0, Math.floor(t / binWidth)))]! += 1;
  return { binWidth, bins };
}
