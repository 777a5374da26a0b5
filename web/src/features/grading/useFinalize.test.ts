import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import { nextToGrade, unscoredOf } from './useFinalize';

const c = (id: string, status = 'READY') => ({ id, status });

describe('nextToGrade', () => {
  it('takes the next copy still to grade, going round, skipping submitted and graded ones', () => {
    const list = [c('a'), c('b', 'GRADED'), c('me'), c('d', 'LOCKED'), c('e')];
    expect(nextToGrade(list, 2)?.id).toBe('e');
    expect(nextToGrade(list, 4)?.id).toBe('a');
    expect(nextToGrade([c('a', 'GRADED'), c('me')], 1)).toBeNull();
    expect(nextToGrade([c('me')], 0)).toBeNull();
    // the current copy is not in the list (an admin opening it from elsewhere): the first one to grade
    expect(nextToGrade([c('x', 'LOCKED'), c('y')], -1)?.id).toBe('y');
  });
});

describe('unscoredOf', () => {
  it('reads the questions of an INCOMPLETE_SCORES answer, nothing else', () => {
    expect(unscoredOf(new ApiError(409, 'INCOMPLETE_SCORES', 'x', { unscored: ['q2', 'q3'] }))).toEqual(['q2', 'q3']);
    expect(unscoredOf(new ApiError(409, 'INVALID_STATE', 'x'))).toBeNull();
    expect(unscoredOf(new Error('x'))).toBeNull();
  });
});
