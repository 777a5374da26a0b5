import { describe, expect, it } from 'vitest';
import { keyAction } from './useDeskKeyboard';

const k = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) =>
  keyAction({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('keyAction', () => {
  it('maps the shortcuts of the help overlay', () => {
    expect(k('Enter', { ctrlKey: true })).toBe('finish');
    expect(k('Enter', { metaKey: true })).toBe('finish');
    expect(k('Enter')).toBeNull();
    expect(k('z', { ctrlKey: true })).toBe('undo');
    expect(k('Z', { ctrlKey: true, shiftKey: true })).toBe('redo');
    expect(k('y', { ctrlKey: true })).toBe('redo');
    expect(k('ArrowLeft')).toBe('prevPage');
    expect(k('j')).toBe('nextCopy');
    expect(k('K')).toBe('prevCopy');
    expect(k('t')).toBe('tool:tick');
    expect(k('c')).toBe('tool:comment');
    expect(k('?')).toBe('help');
    expect(k('Escape')).toBe('escape');
    expect(k('t', { altKey: true })).toBeNull();
    expect(k('c', { ctrlKey: true })).toBeNull();
  });
});
