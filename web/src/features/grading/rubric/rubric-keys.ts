/**
 * The rubric's keys at the desk: 1–9 then 0 apply the first ten items of the question; N goes to the next copy
 * not yet scored on the question (question mode); [ and ] change question; A focuses the adjustment; I creates an
 * item. Pure, tested.
 */
export type RubricKeyAction =
  | { kind: 'item'; index: number }
  | { kind: 'next' }
  | { kind: 'question'; delta: number }
  | { kind: 'adjust' }
  | { kind: 'newItem' };

/** The key of the item at `index` (0-based): "1"…"9", "0" for the tenth, none beyond. */
export const keyOfIndex = (index: number): string | null => (index >= 0 && index < 9 ? String(index + 1) : index === 9 ? '0' : null);

export function indexOfKey(key: string): number | null {
  if (!/^[0-9]$/.test(key)) return null;
  return key === '0' ? 9 : Number(key) - 1;
}

export function rubricKeyAction(
  e: { key: string; code?: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey?: boolean },
  ctx: { itemCount: number; questionMode: boolean },
): RubricKeyAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const idx = indexOfKey(e.key);
  if (idx !== null) return idx < ctx.itemCount ? { kind: 'item', index: idx } : null;
  switch (e.key) {
    case 'n':
    case 'N':
      return ctx.questionMode ? { kind: 'next' } : null;
    case '[':
      return ctx.questionMode ? null : { kind: 'question', delta: -1 };
    case ']':
      return ctx.questionMode ? null : { kind: 'question', delta: 1 };
    case 'a':
    case 'A':
      return { kind: 'adjust' };
    case 'i':
    case 'I':
      return { kind: 'newItem' };
    default:
      return null;
  }
}
