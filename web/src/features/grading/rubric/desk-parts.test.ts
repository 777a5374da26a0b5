import { describe, expect, it } from 'vitest';
import { stateFromServer } from '../../../annotations/model';
import { BADGE, badgeCorner } from './RubricBadges';
import { withoutIds } from './useDeskRubric';
import { regionView } from './useQuestionMode';

describe('desk parts of the rubric', () => {
  it('a badge is centred on the click and stays inside the page', () => {
    expect(badgeCorner({ x: 0.5, y: 0.5 })).toEqual({ x: 0.455, y: 0.4825 });
    const corner = badgeCorner({ x: 0.999, y: 0 });
    expect(corner.x + BADGE.w).toBeLessThanOrEqual(1);
    expect(corner.y).toBe(0);
  });
  it('the annotation tools do not see the rubric badges', () => {
    const ann = (id: string) => ({ id, copyId: 'c', pagePosition: 0, x: 0, y: 0, w: 0.1, h: 0.1, type: 'SCORE' as const, content: null, points: null, scoreDelta: 100, questionId: null, createdBy: 'u', version: 1, createdAt: '', updatedAt: '' });
    const s = stateFromServer([ann('a'), ann('badge'), ann('b')]);
    expect(withoutIds(s, new Set(['badge'])).order).toEqual(['a', 'b']);
    expect(withoutIds(s, new Set())).toBe(s);
  });
  it('question mode zooms a region across the view and scrolls to it; none: the whole page', () => {
    const v = regionView({ pagePosition: 0, x: 0.1, y: 0.5, w: 0.5, h: 0.2 }, { widthPx: 1000, heightPx: 1400 }, 1032);
    expect(v.zoom).toBeCloseTo(2);
    expect(v.left).toBeCloseTo(184);
    expect(v.top).toBeCloseTo(1384);
    expect(regionView(null, { widthPx: 1000, heightPx: 1400 }, 1032)).toEqual({ zoom: null, left: 0, top: 0 });
  });
});
