import { describe, expect, it } from 'vitest';
import { ApiError, errorMessage } from './errors';

describe('errorMessage', () => {
  it('names who holds the lease and until when, in both languages', () => {
    const expiresAt = new Date(2026, 5, 15, 14, 32).toISOString();
    const err = new ApiError(409, 'LOCKED_BY_OTHER', 'Ann is grading', { owner: { id: 'u1', displayName: 'Ann Martin' }, expiresAt });
    expect(errorMessage(err, 'en')).toBe('Ann Martin is grading this copy right now (until 14:32). Wait for them to leave it, or try again later.');
    expect(errorMessage(err, 'fr')).toContain('Ann Martin corrige cette copie en ce moment (jusqu’à 14:32)');
    expect(errorMessage(new ApiError(409, 'LOCKED_BY_OTHER', 'x', { owner: null }), 'en')).toBe('Someone else is grading this copy.');
  });
  it('says the copy status in words, and the server sentence when there is no status', () => {
    expect(errorMessage(new ApiError(409, 'INVALID_STATE', 'x', { currentStatus: 'LOCKED' }), 'fr')).toBe('Impossible tant que la copie est « Soumise ».');
    expect(errorMessage(new ApiError(409, 'INVALID_STATE', 'This exam has no active correctors', { currentStatus: null }), 'en')).toBe(
      'Not possible in the current state. (This exam has no active correctors)',
    );
  });
  it('falls back to the detail for codes without a message (a bare HTTP status) and to the message for plain errors', () => {
    expect(errorMessage(new ApiError(418, 'HTTP_418', 'short and stout'), 'en')).toBe('short and stout');
    expect(errorMessage(new Error('plain'), 'fr')).toBe('plain');
    expect(errorMessage(new ApiError(0, 'NETWORK', 'x'), 'fr')).toBe('Le serveur est injoignable. Vérifiez votre connexion.');
  });
});
