import { describe, expect, it } from 'vitest';
import { dateTime, shortDate } from './time';

describe('one date format per language', () => {
  it('writes French days as 01/12/2026 and English ones as Dec 1, 2026, a calendar day never shifted by the time zone', () => {
    expect(shortDate('2026-12-01', 'fr')).toBe('01/12/2026');
    expect(shortDate('2026-12-01', 'en')).toBe('Dec 1, 2026');
    expect(shortDate(null, 'fr')).toBe('');
    expect(shortDate('not a date', 'en')).toBe('not a date');
  });
  it('puts the local time after the day for moments', () => {
    const iso = new Date(2026, 11, 1, 9, 5).toISOString();
    expect(dateTime(iso, 'fr')).toBe('01/12/2026 09:05');
    expect(dateTime(iso, 'en')).toBe('Dec 1, 2026 09:05');
  });
});
