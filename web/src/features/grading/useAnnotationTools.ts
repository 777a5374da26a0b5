/** What the drawing tools do to the annotations: create, move/resize, select, delete, and the comment box editor. */
import type { CopyDetail } from '@korrigo/contracts';

type Page = CopyDetail['pages'][number];
import { useCallback, useState } from 'react';
import { type Command, updateCommand } from '../../annotations/commands';
import { type AnnRecord, fieldsForRect, newKey, type Rect } from '../../annotations/model';
import type { ToolEffect, ToolId } from '../../annotations/tools';
import { parsePoints } from '../../lib/points';
import type { CommentEditor } from './draft';
import type { useAnnotations } from './useAnnotations';

type Ann = ReturnType<typeof useAnnotations>;

const record = (pagePosition: number, rect: Rect, over: Partial<AnnRecord>): AnnRecord => ({
  key: newKey(),
  id: null,
  version: 0,
  pagePosition,
  type: 'COMMENT',
  ...rect,
  content: null,
  points: null,
  scoreDelta: null,
  questionId: null,
  ...over,
});

export function useAnnotationTools(ann: Ann, page: Page | undefined, editable: boolean) {
  const [tool, setTool] = useState<ToolId>('select');
  const [editor, setEditor] = useState<CommentEditor | null>(null);
  const [badgeText, setBadgeText] = useState('+1');
  const [badgeQuestion, setBadgeQuestion] = useState('');

  const onEffects = useCallback(
    (effects: ToolEffect[]) => {
      if (!page) return;
      for (const e of effects) {
        if (e.kind === 'select') ann.setSelected(e.key);
        else if (e.kind === 'update') {
          const rec = ann.state.byKey[e.key];
          if (rec) ann.exec(updateCommand(rec, fieldsForRect(rec, e.rect)));
        } else if (e.type === 'COMMENT') setEditor({ key: null, page: page.position, rect: e.rect, text: '' });
        else {
          let scoreDelta: number | null = null;
          if (e.type === 'SCORE') {
            const parsed = parsePoints(badgeText, { signed: true });
            scoreDelta = parsed.ok && parsed.value !== null ? parsed.value : 100;
          }
          const rec = record(page.position, e.rect, {
            type: e.type,
            points: e.points ?? null,
            scoreDelta,
            questionId: e.type === 'SCORE' && badgeQuestion ? badgeQuestion : null,
          });
          ann.exec({ kind: 'create', record: rec });
          ann.setSelected(rec.key);
        }
      }
    },
    [ann, page, badgeText, badgeQuestion],
  );

  const openComment = useCallback(
    (key: string) => {
      const rec = ann.state.byKey[key];
      if (rec) setEditor({ key, page: rec.pagePosition, rect: { x: rec.x, y: rec.y, w: rec.w, h: rec.h }, text: rec.content ?? '' });
    },
    [ann],
  );

  const commitEditor = useCallback(() => {
    if (!editor) return;
    const text = editor.text.trim();
    if (editor.key) {
      const rec = ann.state.byKey[editor.key];
      if (rec) ann.exec(updateCommand(rec, { content: text }));
    } else if (text) ann.exec({ kind: 'create', record: record(editor.page, editor.rect, { type: 'COMMENT', content: text }) });
    setEditor(null);
  }, [editor, ann]);

  const deleteSelected = useCallback(() => {
    const rec = ann.selected ? ann.state.byKey[ann.selected] : null;
    if (!rec || !editable) return;
    ann.exec({ kind: 'delete', record: rec } satisfies Command);
    ann.setSelected(null);
  }, [ann, editable]);

  return { tool, setTool, editor, setEditor, badgeText, setBadgeText, badgeQuestion, setBadgeQuestion, onEffects, openComment, commitEditor, deleteSelected };
}
