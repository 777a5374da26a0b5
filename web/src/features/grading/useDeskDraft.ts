/**
 * The desk's part of the draft: what is put in it (fields typed over a saved score and the version they were typed
 * over, the comment being written, annotation writes not yet answered) and what comes back on reopen. Restored
 * scores go through the score queue, which turns an entry based on an older version into a conflict.
 */
import type { CopyDetail } from '@korrigo/contracts';

type Page = CopyDetail['pages'][number];
import { useEffect, useMemo, useState } from 'react';
import type { PendingWrites } from '../../annotations/pending';
import { type CommentEditor, type DraftPayload, emptyPayload } from './draft';
import type { useAnnotations } from './useAnnotations';
import { useDraft } from './useDraft';
import type { useScores } from './useScores';

interface Options {
  copyId: string;
  userId: string;
  token: string | null;
  lost(): void;
  editable: boolean;
  scores: ReturnType<typeof useScores>;
  ann: ReturnType<typeof useAnnotations>;
  editor: CommentEditor | null;
  setEditor(e: CommentEditor | null): void;
  pages: Page[];
  showPage(i: number): void;
}

export function useDeskDraft({ copyId, userId, token, lost, editable, scores, ann, editor, setEditor, pages, showPage }: Options) {
  const draft = useDraft(copyId, userId, token, lost);
  const [restoredNote, setRestoredNote] = useState(false);
  /** annotation writes of an earlier page, made under another lease: re-applied only if the teacher says so */
  const [unsent, setUnsent] = useState<PendingWrites | null>(null);

  useEffect(() => {
    if (!draft.restored) return;
    const p = draft.restored.payload;
    const applied = scores.restoreDraft(p.scores);
    setEditor(p.editor);
    if (p.editor) showPage(Math.max(0, pages.findIndex((pg) => pg.position === p.editor!.page)));
    let replayed = 0;
    // annotation writes an earlier page could not send: under the same lease nobody else can have written since,
    // so they go out again at once (each with the version it was based on); under a new lease the teacher decides
    if (p.writes && draft.restored.fromLoad) {
      if (p.writes.token === token) replayed = ann.replay(p.writes);
      else setUnsent(p.writes);
    }
    if (applied > 0 || p.editor || replayed > 0) setRestoredNote(true);
  }, [draft.restored, pages]);

  const payload = useMemo<DraftPayload>(() => {
    const p = emptyPayload();
    p.scores = scores.draftEntries;
    p.editor = editor;
    // writes awaiting the teacher's decision stay saved until they decide
    p.writes = ann.unanswered ? { token: token ?? '', ...ann.unanswered } : unsent;
    return p;
  }, [scores.draftEntries, editor, ann.unanswered, token, unsent]);
  const payloadJson = JSON.stringify(payload);
  useEffect(() => {
    if (editable) draft.update(payload);
  }, [payloadJson, editable, draft.update]);

  return {
    draft,
    restoredNote,
    closeRestoredNote: () => setRestoredNote(false),
    unsent,
    discardUnsent: () => setUnsent(null),
    reapplyUnsent: () => {
      if (unsent) ann.replay(unsent);
      setUnsent(null);
    },
  };
}
