/**
 * How points are written, everywhere: the grading desk and the student's pages (web), the final PDF and the CSV
 * exports (server). Points are integers in hundredths; the text has at most two decimals and no trailing zeros.
 */

export interface PointsFormat {
  /** ',' in French documents and exports, '.' otherwise */
  decimal?: '.' | ',';
  /**
   * '-' (ASCII) where the text is read back by a program (CSV, input fields); the PDF prints the typographic
   * minus sign '−' (U+2212).
   */
  minus?: '-' | '−';
}

/** 1250 → "12.5" ("12,5" with decimal ','); 1200 → "12"; 1205 → "12.05"; −50 → "-0.5"; null → "". */
export function formatPoints(hundredths: number | null | undefined, { decimal = '.', minus = '-' }: PointsFormat = {}): string {
  if (hundredths === null || hundredths === undefined) return '';
  const abs = Math.abs(Math.round(hundredths));
  const units = Math.floor(abs / 100);
  const cents = String(abs % 100).padStart(2, '0').replace(/0+$/, '');
  // A value that rounds to zero has no sign: "0", never "-0".
  return `${hundredths < 0 && abs !== 0 ? minus : ''}${units}${cents ? decimal + cents : ''}`;
}

/** A score change with its sign, as on a score badge: "+1.5", "-0.5" (or "−0.5"), "0". */
export function formatDelta(hundredths: number | null | undefined, format: PointsFormat = {}): string {
  if (hundredths === null || hundredths === undefined) return '';
  return (hundredths > 0 ? '+' : '') + formatPoints(hundredths, format);
}
