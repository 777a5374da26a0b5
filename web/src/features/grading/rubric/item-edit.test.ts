import { describe, expect, it } from 'vitest';
import { planItemEdit } from './item-edit';
import type { RubricItem } from './rubric-types';

const item: RubricItem = { id: 'i', questionId: 'q', label: 'Units', comment: 'Missing units', points: -50, kind: 'DELTA', group: null, order: 0, version: 3, usage: 4, retired: false };
const d = (x: Partial<{ label: string; comment: string; points: string; group: string }>) => ({ label: 'Units', comment: 'Missing units', points: '-0.5', group: '', ...x });

describe('planItemEdit', () => {
  it('sends only what changed', () => {
    expect(planItemEdit(item, d({}))).toEqual({ ok: true, fields: {}, changesScores: false });
    expect(planItemEdit(item, d({ points: '-1' }))).toEqual({ ok: true, fields: { points: -100 }, changesScores: true });
    expect(planItemEdit(item, d({ comment: ' ' }))).toEqual({ ok: true, fields: { comment: '' }, changesScores: false });
    expect(planItemEdit(item, d({ label: 'Unit', group: 'g' }))).toEqual({ ok: true, fields: { label: 'Unit', group: 'g' }, changesScores: true });
  });
  it('refuses an empty label or points that are not a number', () => {
    expect(planItemEdit(item, d({ label: '  ' }))).toEqual({ ok: false, error: 'label' });
    expect(planItemEdit(item, d({ points: 'x' }))).toEqual({ ok: false, error: 'points' });
    expect(planItemEdit(item, d({ points: '' }))).toEqual({ ok: false, error: 'points' });
    expect(planItemEdit(item, d({ points: '1,25' }))).toMatchObject({ fields: { points: 125 } });
  });
});
