/**
 * The desk's shortcuts (listed in HelpOverlay): tool letters, ←/→ pages, J/K copies, Ctrl+Z, Delete, zoom, ?, Esc,
 * and Ctrl+Enter to Finish — that one works from a score field too.
 */
import { useEffect, useRef } from 'react';
import { toolForKey, type ToolId } from '../../annotations/tools';

export interface DeskKeys {
  editable: boolean;
  help: boolean;
  editorOpen: boolean;
  setHelp(fn: (h: boolean) => boolean): void;
  closeEditor(): void;
  deselect(): void;
  undo(): void;
  redo(): void;
  pageBy(delta: number): void;
  goCopy(delta: number): void;
  deleteSelected(): void;
  zoomBy(f: number): void;
  fitWidth(): void;
  setTool(t: ToolId): void;
  finish(): void;
}

/** What a key does outside a text field; null when nothing. Pure, tested. */
export function keyAction(e: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }): string | null {
  if (e.key === 'Escape') return 'escape';
  if ((e.ctrlKey || e.metaKey) && !e.altKey) {
    const key = e.key.toLowerCase();
    if (key === 'enter') return 'finish';
    if (key === 'y' || (key === 'z' && e.shiftKey)) return 'redo';
    if (key === 'z') return 'undo';
    return null;
  }
  if (e.altKey) return null;
  const byKey: Record<string, string> = {
    '?': 'help', ArrowLeft: 'prevPage', ArrowUp: 'prevPage', ArrowRight: 'nextPage', ArrowDown: 'nextPage',
    j: 'nextCopy', J: 'nextCopy', k: 'prevCopy', K: 'prevCopy', Delete: 'delete', Backspace: 'delete',
    '+': 'zoomIn', '=': 'zoomIn', '-': 'zoomOut', '0': 'fit',
  };
  if (byKey[e.key]) return byKey[e.key]!;
  const tool = toolForKey(e.key);
  return tool ? `tool:${tool}` : null;
}

export function useDeskKeyboard(state: DeskKeys) {
  const ref = useRef(state);
  ref.current = state;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const k = ref.current;
      const target = e.target as HTMLElement | null;
      const tag = target?.tagName;
      const inField = !!target && (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable);
      const action = keyAction(e);
      if (!action) return;
      if (action === 'escape') {
        if (k.help) k.setHelp(() => false);
        else if (k.editorOpen) k.closeEditor();
        else k.deselect();
        return;
      }
      // Finish from a score field too (the field is confirmed first by its own handler), not from a text box
      if (action === 'finish' && tag !== 'TEXTAREA' && !document.querySelector('[role="dialog"]')) {
        e.preventDefault();
        if (k.editable) k.finish();
        return;
      }
      if (inField) return;
      if (document.querySelector('[role="dialog"]') && action !== 'help') return;
      const preventing = ['prevPage', 'nextPage', 'delete', 'undo', 'redo'];
      if (preventing.includes(action)) e.preventDefault();
      if (action.startsWith('tool:')) {
        if (k.editable) k.setTool(action.slice(5) as ToolId);
        return;
      }
      const run: Record<string, () => void> = {
        help: () => k.setHelp((h) => !h),
        undo: () => k.editable && k.undo(),
        redo: () => k.editable && k.redo(),
        prevPage: () => k.pageBy(-1),
        nextPage: () => k.pageBy(1),
        nextCopy: () => k.goCopy(1),
        prevCopy: () => k.goCopy(-1),
        delete: () => k.deleteSelected(),
        zoomIn: () => k.zoomBy(1.25),
        zoomOut: () => k.zoomBy(0.8),
        fit: () => k.fitWidth(),
      };
      run[action]?.();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
