/**
 * Points are integers in hundredths everywhere (DESIGN §2). People type decimals with a dot or a comma;
 * conversion works on the digits, not on floats, so "0.29" is exactly 29 and never 28.999….
 * Writing points is contracts' `formatPoints` (one rule for the desk, the PDF and the exports).
 */
import { formatDelta as formatDeltaIn, formatPoints as formatPointsIn } from '@korrigo/contracts/points';

const POINTS_RE = /^\s*([+-])?\s*(\d*)(?:[.,](\d*))?\s*$/;

export type ParsedPoints = { ok: true; value: number | null } | { ok: false };

/** "7,5" → 750 · "" → null · "abc" → invalid. A third decimal rounds half up (12.345 → 1235). */
export function parsePoints(text: string, { signed = false } = {}): ParsedPoints {
  const m = POINTS_RE.exec(text);
  if (!m) return { ok: false };
  const [, sign, whole = '', frac = ''] = m;
  if (whole === '' && frac === '') return sign ? { ok: false } : { ok: true, value: null };
  if (sign === '-' && !signed) return { ok: false };
  const padded = (frac + '000').slice(0, 3);
  let value = Number(whole || '0') * 100 + Number(padded.slice(0, 2));
  if (Number(padded[2]) >= 5) value += 1;
  if (!Number.isSafeInteger(value)) return { ok: false };
  return { ok: true, value: sign === '-' ? -value : value };
}

/** Points in hundredths → hundredths clamped to [0, max]. */
export function clampPoints(hundredths: number, max: number): number {
  return Math.min(Math.max(0, Math.round(hundredths)), Math.max(0, max));
}

/** 1250 → "12.5" (or "12,5" in French); 1200 → "12"; 1205 → "12.05" — contracts' formatPoints in the UI language. */
export function formatPoints(hundredths: number | null | undefined, lang: 'fr' | 'en' = 'en'): string {
  return formatPointsIn(hundredths, { decimal: lang === 'fr' ? ',' : '.' });
}

/** Score badge label: "+1.5", "-2". */
export function formatDelta(hundredths: number | null | undefined, lang: 'fr' | 'en' = 'en'): string {
  return formatDeltaIn(hundredths, { decimal: lang === 'fr' ? ',' : '.' });
}
