/**
 * The rubric's keys (rubric-keys.ts), heard before the desk's own shortcuts (capture phase): a digit that names an
 * item applies it instead of anything else the desk does with it; Esc first drops a badge waiting for its place.
 * Not from a text field, not under a dialog.
 */
import { useEffect, useRef } from 'react';
import { rubricKeyAction, type RubricKeyAction } from './rubric-keys';

export interface RubricKeys {
  enabled: boolean;
  itemCount: number;
  questionMode: boolean;
  armed: boolean;
  disarm(): void;
  run(a: RubricKeyAction): void;
}

export function useRubricKeyboard(state: RubricKeys) {
  const ref = useRef(state);
  ref.current = state;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const k = ref.current;
      const target = e.target as HTMLElement | null;
      const tag = target?.tagName;
      if (!!target && (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable)) return;
      if (document.querySelector('[role="dialog"]')) return;
      if (e.key === 'Escape' && k.armed) {
        e.stopPropagation();
        k.disarm();
        return;
      }
      const action = rubricKeyAction(e, { itemCount: k.itemCount, questionMode: k.questionMode });
      if (!action) return;
      if (!k.enabled && action.kind !== 'next' && action.kind !== 'question') return;
      e.preventDefault();
      e.stopPropagation();
      k.run(action);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);
}
