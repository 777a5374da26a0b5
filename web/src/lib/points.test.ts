import { describe, expect, it } from 'vitest';
import { clampPoints, formatDelta, formatPoints, parsePoints } from './points';

describe('parsePoints (points with decimals → integer hundredths)', () => {
  it.each([
    ['7.5', 750],
    ['7,5', 750],
    ['12', 1200],
    [' 3 ', 300],
    ['0.29', 29],
    ['0,05', 5],
    ['.5', 50],
    ['10.', 1000],
    ['12.345', 1235],
    ['12.344', 1234],
    ['0.125', 13],
  ])('%s → %i', (text, value) => {
    expect(parsePoints(text)).toEqual({ ok: true, value });
  });
  it('empty means no score', () => {
    expect(parsePoints('')).toEqual({ ok: true, value: null });
    expect(parsePoints('   ')).toEqual({ ok: true, value: null });
  });
  it('rejects garbage and negatives unless signed', () => {
    expect(parsePoints('abc').ok).toBe(false);
    expect(parsePoints('1.2.3').ok).toBe(false);
    expect(parsePoints('-1').ok).toBe(false);
    expect(parsePoints('-').ok).toBe(false);
    expect(parsePoints('-1.5', { signed: true })).toEqual({ ok: true, value: -150 });
    expect(parsePoints('+2', { signed: true })).toEqual({ ok: true, value: 200 });
  });
  it('never goes through floats: every hundredth round-trips', () => {
    for (let h = 0; h <= 2000; h++) {
      const r = parsePoints(formatPoints(h));
      expect(r).toEqual({ ok: true, value: h });
      expect(parsePoints(formatPoints(h, 'fr'))).toEqual({ ok: true, value: h });
    }
  });
});

describe('clampPoints', () => {
  it('clamps into [0, max]', () => {
    expect(clampPoints(1200, 1000)).toBe(1000);
    expect(clampPoints(-5, 1000)).toBe(0);
    expect(clampPoints(750, 1000)).toBe(750);
  });
});

describe('formatPoints', () => {
  it('formats per language', () => {
    expect(formatPoints(1250)).toBe('12.5');
    expect(formatPoints(1250, 'fr')).toBe('12,5');
    expect(formatPoints(1205)).toBe('12.05');
    expect(formatPoints(1200)).toBe('12');
    expect(formatPoints(null)).toBe('');
    expect(formatDelta(150)).toBe('+1.5');
    expect(formatDelta(-200)).toBe('-2');
    // one rule with the PDF and the exports (contracts/src/points.ts): a value rounding to zero has no sign
    expect(formatPoints(-0.4)).toBe('0');
    expect(formatPoints(-50, 'fr')).toBe('-0,5');
  });
});
