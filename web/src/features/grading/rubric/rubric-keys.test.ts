import { describe, expect, it } from 'vitest';
import { indexOfKey, keyOfIndex, rubricKeyAction } from './rubric-keys';

const ev = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({ key, ctrlKey: false, metaKey: false, altKey: false, ...mods });

describe('rubric keys', () => {
  it('numbers the first ten items 1…9 then 0', () => {
    expect([0, 1, 8, 9, 10].map(keyOfIndex)).toEqual(['1', '2', '9', '0', null]);
    for (let i = 0; i < 10; i++) expect(indexOfKey(keyOfIndex(i)!)).toBe(i);
    expect(indexOfKey('a')).toBeNull();
  });
  it('a digit applies an item only when the question has that many', () => {
    expect(rubricKeyAction(ev('3'), { itemCount: 3, questionMode: false })).toEqual({ kind: 'item', index: 2 });
    expect(rubricKeyAction(ev('4'), { itemCount: 3, questionMode: false })).toBeNull();
    expect(rubricKeyAction(ev('0'), { itemCount: 10, questionMode: false })).toEqual({ kind: 'item', index: 9 });
    // "0" is left to the desk (fit the width) when there is no tenth item
    expect(rubricKeyAction(ev('0'), { itemCount: 9, questionMode: false })).toBeNull();
  });
  it('N goes to the next copy in question mode only; [ ] change question outside it', () => {
    expect(rubricKeyAction(ev('n'), { itemCount: 0, questionMode: true })).toEqual({ kind: 'next' });
    expect(rubricKeyAction(ev('n'), { itemCount: 0, questionMode: false })).toBeNull();
    expect(rubricKeyAction(ev(']'), { itemCount: 0, questionMode: false })).toEqual({ kind: 'question', delta: 1 });
    expect(rubricKeyAction(ev('['), { itemCount: 0, questionMode: true })).toBeNull();
  });
  it('leaves modified keys to the browser and the desk', () => {
    expect(rubricKeyAction(ev('1', { ctrlKey: true }), { itemCount: 5, questionMode: true })).toBeNull();
    expect(rubricKeyAction(ev('n', { metaKey: true }), { itemCount: 5, questionMode: true })).toBeNull();
    expect(rubricKeyAction(ev('a'), { itemCount: 0, questionMode: false })).toEqual({ kind: 'adjust' });
    expect(rubricKeyAction(ev('i'), { itemCount: 0, questionMode: false })).toEqual({ kind: 'newItem' });
  });
});
