/**
 * The grading desk (DESIGN §8): thumbnails · page + overlay · scoring panel; lease, autosave, conflicts,
 * submit and finalize. Built for the keyboard: tool letters, ←/→ pages, J/K copies, Ctrl+Z, ?.
 */
import type { CopyDetail, CopySummary, Exam, Score } from '@korrigo/contracts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../../api/client';
import { ApiError, errorMessage } from '../../api/errors';
import { type Command, type Op, updateCommand } from '../../annotations/commands';
import { type AnnRecord, fieldsForRect, newKey, type Rect } from '../../annotations/model';
import type { PendingWrites } from '../../annotations/pending';
import { type ToolEffect, type ToolId, TOOLS, toolForKey } from '../../annotations/tools';
import { isKey, type Key, useI18n } from '../../i18n';
import { Link, navigate } from '../../lib/router';
import { clampPoints, formatDelta, formatPoints, parsePoints } from '../../lib/points';
import { dateTime, hhmm } from '../../lib/time';
import { useSession } from '../auth/session';
import { Dialog, ErrorBox, Loading, StatusBadge } from '../common/ui';
import { ConflictDialog } from './ConflictDialog';
import { type CommentEditor, type DraftPayload, emptyPayload } from './draft';
import { HelpOverlay } from './HelpOverlay';
import { PageView } from './PageView';
import { ScoringPanel } from './ScoringPanel';
import { liveTotal, scaleRows, type ScoreInput, type ScoreNote } from './scores';
import { useAnnotations } from './useAnnotations';
import { useDraft } from './useDraft';
import { useLease } from './useLease';

export function GradingDesk({ copyId }: { copyId: string }) {
  const { user } = useSession();
  const [copy, setCopy] = useState<CopyDetail | null>(null);
  const [exam, setExam] = useState<Exam | null>(null);
  const [siblings, setSiblings] = useState<CopySummary[]>([]);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      const c = await api.getCopy(copyId);
      setCopy(c);
      const [e, list] = await Promise.all([
        api.getExam(c.examId).catch(() => null),
        api.listCopies(c.examId, user.role === 'TEACHER' ? { assignedTo: user.id } : {}).catch(() => [] as CopySummary[]),
      ]);
      setExam(e);
      setSiblings(list.filter((x) => x.status !== 'MERGED'));
    } catch (err) {
      setError(err);
    }
  }, [copyId, user]);
  useEffect(() => void load(), [load]);

  if (error) return <main className="page"><ErrorBox error={error} onRetry={load} /></main>;
  if (!copy) return <main className="page"><Loading /></main>;
  return <Desk copy={copy} exam={exam} siblings={siblings} setCopy={setCopy} />;
}

type Finalize = { kind: 'idle' } | { kind: 'running' } | { kind: 'error'; error: unknown };
/** `mine` null: I cleared the score */
type ScoreConflict = { qid: string; mine: ScoreInput | null; theirs: Score | null };

function Desk({ copy, exam, siblings, setCopy }: { copy: CopyDetail; exam: Exam | null; siblings: CopySummary[]; setCopy(c: CopyDetail): void }) {
  const { t, lang } = useI18n();
  const { user } = useSession();
  const copyId = copy.id;

  // ---- lease
  const wantLease = copy.status === 'READY';
  const { lease, token, acquire, lost } = useLease(copyId, wantLease);
  const tokenRef = useRef<string | null>(token);
  tokenRef.current = token;
  const editable = lease.kind === 'held' && copy.status === 'READY';

  // ---- annotations
  const ann = useAnnotations(copyId, copy.annotations, tokenRef, lost);

  // ---- scale and scores
  const rows = useMemo(() => scaleRows(exam?.questions ?? []), [exam]);
  const leaves = useMemo(() => rows.filter((r) => r.isLeaf), [rows]);
  const [saved, setSaved] = useState<Record<string, Score | undefined>>(() => Object.fromEntries(copy.scores.map((s) => [s.questionId, s])));
  const savedRef = useRef(saved);
  savedRef.current = saved;
  const asInput = useCallback((s: Score | undefined): ScoreInput => ({ points: s ? formatPoints(s.points, lang) : '', comment: s?.comment ?? '' }), [lang]);
  const [inputs, setInputs] = useState<Record<string, ScoreInput | undefined>>(() => Object.fromEntries(copy.scores.map((s) => [s.questionId, asInput(s)])));
  const inputsRef = useRef(inputs);
  inputsRef.current = inputs;
  const [notes, setNotes] = useState<Record<string, ScoreNote | undefined>>({});
  const [scoreConflicts, setScoreConflicts] = useState<(ScoreConflict & { resolve(c: 'theirs' | 'mine'): void })[]>([]);
  const scoreChains = useRef(new Map<string, Promise<void>>());
  /** the clamping note of a question, kept when its write succeeds (other notes are cleared) */
  const clampNote = useRef<Record<string, string | undefined>>({});

  // ---- view
  const [pageIdx, setPageIdx] = useState(0);
  const [zoom, setZoom] = useState<number | null>(null);
  const [tool, setTool] = useState<ToolId>('select');
  const [help, setHelp] = useState(false);
  const [editor, setEditor] = useState<CommentEditor | null>(null);
  const [badgeText, setBadgeText] = useState('+1');
  const [badgeQuestion, setBadgeQuestion] = useState('');
  const [finalize, setFinalize] = useState<Finalize>({ kind: 'idle' });
  const [actionError, setActionError] = useState<unknown>(null);
  const [restoredNote, setRestoredNote] = useState(false);
  /** annotation writes of an earlier page, made under another lease: re-applied only if the teacher says so */
  const [unsent, setUnsent] = useState<PendingWrites | null>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const pages = copy.pages;
  const page = pages[Math.min(pageIdx, pages.length - 1)];

  // ---- draft autosave
  const draft = useDraft(copyId, user.id, token, lost);
  useEffect(() => {
    if (!draft.restored) return;
    const p = draft.restored.payload;
    setInputs((cur) => {
      const next = { ...cur };
      for (const [qid, v] of Object.entries(p.scores)) next[qid] = v;
      return next;
    });
    setEditor(p.editor);
    if (p.editor) setPageIdx(Math.max(0, pages.findIndex((pg) => pg.position === p.editor!.page)));
    let replayed = 0;
    // annotation writes an earlier page could not send: under the same lease nobody else can have written since,
    // so they go out again at once; under a new lease the teacher decides
    if (p.writes && draft.restored.fromLoad) {
      if (p.writes.token === tokenRef.current) replayed = ann.replay(p.writes);
      else setUnsent(p.writes);
    }
    if (Object.keys(p.scores).length > 0 || p.editor || replayed > 0) setRestoredNote(true);
  }, [draft.restored, pages]);

  const isUnsaved = useCallback(
    (qid: string, input: ScoreInput | undefined) => {
      if (!input) return false;
      const s = savedRef.current[qid];
      const parsed = parsePoints(input.points);
      const pointsSame = parsed.ok ? (parsed.value ?? null) === (s?.points ?? null) : false;
      return !pointsSame || input.comment !== (s?.comment ?? '');
    },
    [],
  );
  const payload = useMemo<DraftPayload>(() => {
    const p = emptyPayload();
    for (const q of leaves) if (isUnsaved(q.id, inputs[q.id])) p.scores[q.id] = inputs[q.id]!;
    p.editor = editor;
    // writes awaiting the teacher's decision stay saved until they decide
    p.writes = ann.unanswered ? { token: token ?? '', ...ann.unanswered } : unsent;
    return p;
  }, [leaves, inputs, editor, isUnsaved, saved, ann.unanswered, token, unsent]);
  const payloadJson = JSON.stringify(payload);
  useEffect(() => {
    if (editable) draft.update(payload);
  }, [payloadJson, editable, draft.update]);

  // ---- scores: one ordered write chain per question (PUT, or DELETE for an emptied field)
  const setSavedScore = useCallback((qid: string, s: Score | undefined) => {
    savedRef.current = { ...savedRef.current, [qid]: s };
    setSaved(savedRef.current);
  }, []);

  /** Sends one score write: `want` null clears the score. Conflicts ask the teacher, then retry or adopt. */
  const writeScore = useCallback(
    async (qid: string, want: { points: number; comment: string } | null, version: number | undefined): Promise<void> => {
      try {
        if (want) {
          setSavedScore(qid, await api.putScore(copyId, tokenRef.current ?? '', qid, { points: want.points, comment: want.comment || null, version }));
        } else if (version !== undefined) {
          try {
            await api.deleteScore(copyId, tokenRef.current ?? '', qid, version);
          } catch (err) {
            // already gone is what we wanted
            if (!(err instanceof ApiError && err.status === 404 && err.code === 'NOT_FOUND')) throw err;
          }
          setSavedScore(qid, undefined);
        }
        setNotes((n) => ({ ...n, [qid]: n[qid] && n[qid]!.text === clampNote.current[qid] ? n[qid] : undefined }));
      } catch (err) {
        if (err instanceof ApiError && err.code === 'VERSION_CONFLICT') {
          const theirs = (err.extra.current as Score | null | undefined) ?? null;
          const choice = await new Promise<'theirs' | 'mine'>((resolve) =>
            setScoreConflicts((cs) => [
              ...cs,
              {
                qid,
                mine: want ? { points: formatPoints(want.points, lang), comment: want.comment } : null,
                theirs,
                resolve: (c) => {
                  setScoreConflicts((xs) => xs.filter((x) => x.qid !== qid));
                  resolve(c);
                },
              },
            ]),
          );
          if (choice === 'theirs') {
            setSavedScore(qid, theirs ?? undefined);
            setInputs((m) => ({ ...m, [qid]: asInput(theirs ?? undefined) }));
            return;
          }
          if (!want && !theirs) return setSavedScore(qid, undefined);
          return writeScore(qid, want, theirs?.version);
        }
        if (err instanceof ApiError && err.code === 'LOCK_REQUIRED') lost();
        setNotes((n) => ({ ...n, [qid]: { text: errorMessage(err, lang), error: true } }));
      }
    },
    [copyId, lang, asInput, lost, setSavedScore],
  );

  const commitScore = useCallback(
    (qid: string): Promise<void> => {
      if (!editable) return Promise.resolve();
      const q = leaves.find((l) => l.id === qid);
      const input = inputsRef.current[qid];
      if (!q || !input) return Promise.resolve();
      const parsed = parsePoints(input.points);
      if (!parsed.ok) {
        setNotes((n) => ({ ...n, [qid]: { text: t('invalidPoints'), error: true } }));
        return Promise.resolve();
      }
      let want: { points: number; comment: string } | null = null;
      clampNote.current[qid] = undefined;
      if (parsed.value === null) {
        // an emptied field clears the score; a comment alone cannot be saved (a score needs points)
        setNotes((n) => ({ ...n, [qid]: input.comment.trim() ? { text: t('commentNeedsPoints'), error: false } : undefined }));
      } else {
        const value = clampPoints(parsed.value, q.maxPoints);
        if (value !== parsed.value) {
          clampNote.current[qid] = t('clampedTo', { max: formatPoints(q.maxPoints, lang) });
          setNotes((n) => ({ ...n, [qid]: { text: clampNote.current[qid]!, error: false } }));
          setInputs((m) => ({ ...m, [qid]: { points: formatPoints(value, lang), comment: input.comment } }));
        } else setNotes((n) => ({ ...n, [qid]: undefined }));
        want = { points: value, comment: input.comment };
      }
      const same = (cur: Score | undefined) => (want ? !!cur && cur.points === want.points && (cur.comment ?? '') === want.comment : !cur);
      if (same(savedRef.current[qid]) && !scoreChains.current.has(qid)) return Promise.resolve();
      // one write at a time per question, each with the version the previous one returned
      const prev = scoreChains.current.get(qid) ?? Promise.resolve();
      const next = prev.then(() => {
        const cur = savedRef.current[qid];
        if (same(cur)) return;
        return writeScore(qid, want, cur?.version);
      });
      scoreChains.current.set(qid, next);
      void next.finally(() => {
        if (scoreChains.current.get(qid) === next) scoreChains.current.delete(qid);
      });
      return next;
    },
    [editable, leaves, lang, t, writeScore],
  );

  const total = liveTotal(rows, saved, inputs);

  // ---- annotation effects from the tools
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
          const record: AnnRecord = {
            key: newKey(),
            id: null,
            version: 0,
            pagePosition: page.position,
            type: e.type,
            ...e.rect,
            content: null,
            points: e.points ?? null,
            scoreDelta,
            questionId: e.type === 'SCORE' && badgeQuestion ? badgeQuestion : null,
          };
          ann.exec({ kind: 'create', record });
          ann.setSelected(record.key);
        }
      }
    },
    [ann, page, badgeText, badgeQuestion],
  );

  const commitEditor = useCallback(() => {
    if (!editor) return;
    const text = editor.text.trim();
    if (editor.key) {
      const rec = ann.state.byKey[editor.key];
      if (rec) ann.exec(updateCommand(rec, { content: text }));
    } else if (text) {
      const record: AnnRecord = {
        key: newKey(),
        id: null,
        version: 0,
        pagePosition: editor.page,
        type: 'COMMENT',
        ...editor.rect,
        content: text,
        points: null,
        scoreDelta: null,
        questionId: null,
      };
      ann.exec({ kind: 'create', record });
    }
    setEditor(null);
  }, [editor, ann]);

  const deleteSelected = useCallback(() => {
    const rec = ann.selected ? ann.state.byKey[ann.selected] : null;
    if (!rec || !editable) return;
    ann.exec({ kind: 'delete', record: rec } satisfies Command);
    ann.setSelected(null);
  }, [ann, editable]);

  // ---- flush everything before submit / finalize / leaving
  const flushAll = useCallback(async () => {
    await Promise.all(leaves.map((q) => commitScore(q.id)));
    await Promise.all([...scoreChains.current.values()]);
    await ann.idle();
    await draft.flush();
  }, [leaves, commitScore, ann, draft]);

  // ---- navigation
  const idx = siblings.findIndex((s) => s.id === copyId);
  const goCopy = useCallback(
    async (delta: number) => {
      const target = siblings[idx + delta];
      if (!target) return;
      if (editable) await flushAll().catch(() => undefined);
      navigate(`/copies/${target.id}/grade`);
    },
    [siblings, idx, editable, flushAll],
  );
  const queueLink = user.role === 'ADMIN' ? `/exams/${copy.examId}/copies` : `/queue?exam=${copy.examId}`;

  // ---- zoom
  const zoomBy = (f: number) => {
    const W = page?.widthPx || 1000;
    const current = zoom ?? (scrollRef.current ? (scrollRef.current.clientWidth - 32) / W : 1);
    setZoom(Math.min(4, Math.max(0.2, current * f)));
  };

  // ---- submit / finalize
  const refresh = useCallback(async () => setCopy(await api.getCopy(copyId)), [copyId, setCopy]);

  const poll = useCallback(async () => {
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const c = await api.getCopy(copyId);
      if (c.status !== 'GRADING_IN_PROGRESS') {
        setCopy(c);
        setFinalize({ kind: 'idle' });
        return;
      }
    }
  }, [copyId, setCopy]);

  useEffect(() => {
    if (copy.status === 'GRADING_IN_PROGRESS' && finalize.kind === 'idle') {
      setFinalize({ kind: 'running' });
      poll().catch((error) => setFinalize({ kind: 'error', error }));
    }
  }, [copy.status]);

  const [submitting, setSubmitting] = useState(false);
  const doSubmit = async () => {
    setActionError(null);
    setSubmitting(true);
    try {
      await flushAll();
      await api.submit(copyId, tokenRef.current);
      await refresh();
    } catch (err) {
      setActionError(err);
    } finally {
      setSubmitting(false);
    }
  };
  const doFinalize = async () => {
    setActionError(null);
    setFinalize({ kind: 'running' });
    try {
      if (editable) await flushAll();
      const res = await api.finalize(copyId, tokenRef.current);
      if (res?.status === 'GRADED') {
        await refresh();
        setFinalize({ kind: 'idle' });
        return;
      }
      setCopy({ ...copy, status: 'GRADING_IN_PROGRESS' });
      await poll();
    } catch (err) {
      setFinalize({ kind: 'error', error: err });
      refresh().catch(() => undefined);
    }
  };

  // ---- keyboard
  const keyState = { editable, deleteSelected, goCopy, help, editor, pages, ann, zoomBy };
  const keys = useRef(keyState);
  keys.current = keyState;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const k = keys.current;
      const target = e.target as HTMLElement | null;
      const inField = !!target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT' || target.isContentEditable);
      if (e.key === 'Escape') {
        if (k.help) setHelp(false);
        else if (k.editor) setEditor(null);
        else k.ann.setSelected(null);
        return;
      }
      if (inField) return;
      if (document.querySelector('[role="dialog"]') && e.key !== '?') return;
      if ((e.ctrlKey || e.metaKey) && !e.altKey) {
        const key = e.key.toLowerCase();
        if (key === 'z' || key === 'y') {
          e.preventDefault();
          if (!k.editable) return;
          if (key === 'y' || e.shiftKey) k.ann.redo();
          else k.ann.undo();
        }
        return;
      }
      if (e.altKey) return;
      switch (e.key) {
        case '?':
          setHelp((h) => !h);
          return;
        case 'ArrowLeft':
        case 'ArrowUp':
          e.preventDefault();
          setPageIdx((i) => Math.max(0, i - 1));
          return;
        case 'ArrowRight':
        case 'ArrowDown':
          e.preventDefault();
          setPageIdx((i) => Math.min(k.pages.length - 1, i + 1));
          return;
        case 'j':
        case 'J':
          void k.goCopy(1);
          return;
        case 'k':
        case 'K':
          void k.goCopy(-1);
          return;
        case 'Delete':
        case 'Backspace':
          e.preventDefault();
          k.deleteSelected();
          return;
        case '+':
        case '=':
          k.zoomBy(1.25);
          return;
        case '-':
          k.zoomBy(0.8);
          return;
        case '0':
          setZoom(null);
          return;
      }
      const tl = toolForKey(e.key);
      if (tl && k.editable) setTool(tl);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // ---- labels
  const qLabel = useCallback((id: string | null) => rows.find((r) => r.id === id)?.label ?? '', [rows]);
  const labelOf = useCallback(
    (rec: AnnRecord) => {
      const base = t(`ann_${rec.type}` as Key);
      if (rec.type === 'COMMENT') return `${base}: ${rec.content ?? ''}`;
      if (rec.type === 'SCORE') return `${base}: ${formatDelta(rec.scoreDelta, lang)}${rec.questionId ? ` (${qLabel(rec.questionId)})` : ''}`;
      return base;
    },
    [t, lang, qLabel],
  );
  const scoreText = useCallback((rec: AnnRecord) => formatDelta(rec.scoreDelta, lang), [lang]);

  // ---- status texts
  // a submitted or graded copy has no lease any more, whatever the last answer said
  const leaseText = !wantLease
    ? ''
    : lease.kind === 'held'
      ? t('heldByYouUntil', { time: hhmm(lease.expiresAt) })
      : lease.kind === 'other'
        ? t('heldBy', { name: lease.owner?.displayName ?? '?' })
        : '';
  const saveText = (() => {
    if (!editable) return '';
    if (ann.sync.offline || draft.status.kind === 'offline') return t('offlineKept');
    if (ann.sync.pending > 0 || draft.status.kind === 'saving') return t('saving');
    if (draft.status.kind === 'dirty') return t('unsaved');
    if (draft.status.kind === 'saved') return t('savedAt', { time: hhmm(draft.status.at) });
    return '';
  })();

  const selectedRec = ann.selected ? ann.state.byKey[ann.selected] : null;
  const annList = ann.state.order.map((k) => ann.state.byKey[k]!).filter(Boolean);
  const annConflict = ann.conflicts[0];
  const scoreConflict = scoreConflicts[0];
  const describeAnn = (a: { type: string; x: number; y: number; content?: string | null; scoreDelta?: number | null; pagePosition: number } | null) =>
    a
      ? [
          `${t(`ann_${a.type}` as Key)} · ${t('page', { n: a.pagePosition + 1 })}`,
          `x ${a.x.toFixed(3)} · y ${a.y.toFixed(3)}`,
          ...(a.content ? [`“${a.content}”`] : []),
          ...(a.scoreDelta !== null && a.scoreDelta !== undefined ? [formatDelta(a.scoreDelta, lang)] : []),
        ]
      : [t('deletedElsewhere')];

  /** One unsent write in words: what it is, where, and what it does. */
  const describeOp = (op: Op) => {
    const rec = op.kind === 'create' ? op.body : ann.state.byKey[op.key];
    const what = rec ? `${t(`ann_${rec.type}` as Key)} · ${t('page', { n: rec.pagePosition + 1 })}` : t('annotation');
    const content = op.kind === 'create' ? op.body.content : op.kind === 'patch' ? op.fields.content : null;
    return `${what} — ${t(op.kind === 'create' ? 'opCreate' : op.kind === 'patch' ? 'opPatch' : 'opDelete')}${content ? ` “${content}”` : ''}`;
  };
  const scoreLines = (s: ScoreInput | null, qid: string) => {
    if (!s) return [t('noScore')];
    const max = formatPoints(leaves.find((l) => l.id === qid)?.maxPoints ?? 0, lang);
    return [`${s.points} / ${max}`, ...(s.comment ? [s.comment] : [])];
  };

  const canSubmit = editable;
  const canFinalize = (copy.status === 'READY' && editable) || copy.status === 'LOCKED' || copy.status === 'GRADING_FAILED';

  return (
    <div className="desk">
      <div className="desk-top" role="toolbar" aria-label={t('desk')}>
        <Link to={queueLink}>{t('backToQueue')}</Link>
        <span className="muted">{exam?.title}</span>
        <strong>{t('copy', { code: copy.anonymousCode })}</strong>
        {copy.student && (
          <span>
            {copy.student.lastName} {copy.student.firstName}
          </span>
        )}
        <StatusBadge status={copy.status} />
        {leaseText && <span className="lease" data-testid="lease">{leaseText}</span>}
        <span className="save-state" data-testid="save-state" aria-live="polite">
          {saveText}
        </span>
        <span className="spacer" />
        <button type="button" onClick={() => void goCopy(-1)} disabled={idx <= 0} aria-label={t('prevCopy')}>
          {t('prevCopy')}
        </button>
        <span className="muted">{idx >= 0 ? `${idx + 1}/${siblings.length}` : ''}</span>
        <button type="button" onClick={() => void goCopy(1)} disabled={idx < 0 || idx >= siblings.length - 1} aria-label={t('nextCopy')}>
          {t('nextCopy')}
        </button>
        <button type="button" onClick={() => setHelp(true)} aria-label={t('help')}>
          ?
        </button>
      </div>

      {lease.kind === 'other' && wantLease && (
        <div className="banner readonly" role="status">
          {t('readOnlyLocked', { name: lease.owner?.displayName ?? '?', time: hhmm(lease.expiresAt) })}{' '}
          <button type="button" onClick={() => void acquire()}>
            {t('tryAgain')}
          </button>
        </div>
      )}
      {lease.kind === 'unavailable' && wantLease && (
        <div className="banner readonly" role="status">
          {t('readOnlyNoLease')} {errorMessage(lease.error, lang)}{' '}
          <button type="button" onClick={() => void acquire()}>
            {t('tryAgain')}
          </button>
        </div>
      )}
      {!wantLease && copy.status !== 'GRADING_IN_PROGRESS' && (
        <div className="banner info" role="status">
          {t('readOnlyStatus', { status: t(`status_${copy.status}` as Key).toLocaleLowerCase(lang) })}
        </div>
      )}
      {ann.failures.length > 0 && (
        <div className="banner error" role="alert">
          {ann.failures.map((f, i) => (
            <div key={i}>{errorMessage(f.error, lang)}</div>
          ))}
          <button type="button" onClick={ann.dismissFailures}>
            {t('close')}
          </button>
        </div>
      )}
      {restoredNote && (
        <div className="banner info" role="status">
          {t('draftRestored')}{' '}
          <button type="button" className="link" onClick={() => setRestoredNote(false)}>
            {t('close')}
          </button>
        </div>
      )}

      <div className="desk-body">
        <nav className="thumbs" aria-label={t('thumbnails')}>
          {pages.map((pg, i) => (
            <button
              type="button"
              key={pg.position}
              className={i === pageIdx ? 'thumb current' : 'thumb'}
              aria-label={t('page', { n: pg.position + 1 })}
              aria-current={i === pageIdx ? 'page' : undefined}
              onClick={() => setPageIdx(i)}
            >
              <img src={imageUrl(copyId, pg)} alt="" loading="lazy" />
              <span>{pg.position + 1}</span>
            </button>
          ))}
        </nav>

        <section className="desk-main">
          <div className="tools" role="toolbar" aria-label={t('tools')}>
            {TOOLS.map((tl) => (
              <button
                type="button"
                key={tl.id}
                aria-label={t(`tool_${tl.id}` as Key)}
                title={t(`tool_${tl.id}` as Key)}
                aria-pressed={tool === tl.id}
                disabled={!editable}
                onClick={() => setTool(tl.id)}
              >
                {TOOL_ICONS[tl.id]}
              </button>
            ))}
            <span className="sep" />
            <button type="button" aria-label={t('undo')} title="Ctrl+Z" disabled={!editable || !ann.canUndo} onClick={ann.undo}>
              ↶
            </button>
            <button type="button" aria-label={t('redo')} title="Ctrl+Shift+Z" disabled={!editable || !ann.canRedo} onClick={ann.redo}>
              ↷
            </button>
            <button type="button" aria-label={t('deleteAnnotation')} disabled={!editable || !selectedRec} onClick={deleteSelected}>
              ⌫
            </button>
            <span className="sep" />
            <label className="inline">
              {t('badgeValue')}
              <input className="small" value={badgeText} onChange={(e) => setBadgeText(e.target.value)} />
            </label>
            <label className="inline">
              {t('badgeQuestion')}
              <select value={badgeQuestion} onChange={(e) => setBadgeQuestion(e.target.value)}>
                <option value="">{t('noQuestion')}</option>
                {leaves.map((q) => (
                  <option key={q.id} value={q.id}>
                    {q.label}
                  </option>
                ))}
              </select>
            </label>
            <span className="sep" />
            <button type="button" aria-label={t('prevPage')} disabled={pageIdx <= 0} onClick={() => setPageIdx((i) => Math.max(0, i - 1))}>
              ←
            </button>
            <span aria-live="polite">{page ? t('pageOf', { n: pageIdx + 1, total: pages.length }) : ''}</span>
            <button type="button" aria-label={t('nextPage')} disabled={pageIdx >= pages.length - 1} onClick={() => setPageIdx((i) => Math.min(pages.length - 1, i + 1))}>
              →
            </button>
            <button type="button" aria-label={t('zoomOut')} onClick={() => zoomBy(0.8)}>
              −
            </button>
            <button type="button" aria-label={t('zoomIn')} onClick={() => zoomBy(1.25)}>
              +
            </button>
            <button type="button" aria-label={t('fitWidth')} aria-pressed={zoom === null} onClick={() => setZoom(null)}>
              ↔
            </button>
          </div>
          <div className="page-scroll" ref={scrollRef}>
            {page && (
              <PageView
                key={page.position}
                page={{ ...page, imageUrl: imageUrl(copyId, page) }}
                state={ann.state}
                selected={ann.selected}
                tool={tool}
                readOnly={!editable || !!editor}
                zoom={zoom}
                onEffects={onEffects}
                onOpenComment={(key) => {
                  const rec = ann.state.byKey[key];
                  if (rec) setEditor({ key, page: rec.pagePosition, rect: { x: rec.x, y: rec.y, w: rec.w, h: rec.h }, text: rec.content ?? '' });
                }}
                labelOf={labelOf}
                scoreText={scoreText}
                imageLabel={t('page', { n: page.position + 1 })}
              >
                {editor && editor.page === page.position && <CommentBox editor={editor} onChange={(text) => setEditor({ ...editor, text })} onOk={commitEditor} onCancel={() => setEditor(null)} />}
              </PageView>
            )}
          </div>
        </section>

        <aside className="desk-side">
          <ScoringPanel
            rows={rows}
            saved={saved}
            inputs={inputs}
            notes={notes}
            readOnly={!editable}
            total={total}
            maxTotal={exam?.maxTotal ?? 0}
            onInput={(qid, field, value) => setInputs((m) => ({ ...m, [qid]: { ...(m[qid] ?? { points: '', comment: '' }), [field]: value } }))}
            onCommit={(qid) => void commitScore(qid)}
          />
          {selectedRec && selectedRec.type === 'SCORE' && editable && (
            <SelectedScoreEditor
              key={selectedRec.key}
              rec={selectedRec}
              leaves={leaves}
              onChange={(fields) => ann.exec(updateCommand(selectedRec, fields))}
            />
          )}
          <section aria-label={t('annotations')}>
            <h2>{t('annotations')}</h2>
            {annList.length === 0 ? (
              <p className="muted">{t('noAnnotations')}</p>
            ) : (
              <ul className="ann-list">
                {annList.map((a) => (
                  <li key={a.key}>
                    <button
                      type="button"
                      className={a.key === ann.selected ? 'link current' : 'link'}
                      onClick={() => {
                        setPageIdx(Math.max(0, pages.findIndex((pg) => pg.position === a.pagePosition)));
                        ann.setSelected(a.key);
                      }}
                    >
                      p.{a.pagePosition + 1} · {labelOf(a)}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <EventsList copyId={copyId} />
        </aside>
      </div>

      <div className="desk-bottom">
        <button type="button" className="primary" disabled={!canSubmit || submitting} onClick={() => void doSubmit()} aria-describedby="submit-help">
          {submitting ? t('submitting') : t('submit')}
        </button>
        <button type="button" disabled={!canFinalize || finalize.kind === 'running'} onClick={() => void doFinalize()} aria-describedby="submit-help">
          {t('finalize')}
        </button>
        {(copy.status === 'READY' || copy.status === 'LOCKED') && finalize.kind !== 'running' && (
          <span className="muted small" id="submit-help">
            {t(copy.status === 'READY' ? 'submitHelp' : 'finalizeHelp')}
          </span>
        )}
        {finalize.kind === 'running' && (
          <span className="progress-inline" role="status">
            <span className="spinner" aria-hidden /> {t('finalizing')}
            {copy.job && copy.job.attempts > 1 ? ` (${copy.job.attempts})` : ''}
          </span>
        )}
        {copy.status === 'GRADING_FAILED' && finalize.kind !== 'running' && (
          <span className="error" role="alert">
            {t('gradingFailed', { error: copy.gradingError ?? '' })}{' '}
            <button type="button" onClick={() => void doFinalize()}>
              {t('retryFinalize')}
            </button>
          </span>
        )}
        {finalize.kind === 'error' && <ErrorBox error={finalize.error} onRetry={() => void doFinalize()} />}
        {copy.status === 'GRADED' && (
          <span role="status">
            {t('graded', { score: `${formatPoints(copy.finalScore ?? copy.total ?? 0, lang)} / ${formatPoints(exam?.maxTotal ?? 0, lang)}` })}{' '}
            {copy.hasFinalPdf && (
              <a href={api.finalPdfUrl(copyId)} target="_blank" rel="noreferrer">
                {t('downloadPdf')}
              </a>
            )}
          </span>
        )}
        <ErrorBox error={actionError} />
      </div>

      {help && <HelpOverlay onClose={() => setHelp(false)} />}
      {!help && unsent && (
        <Dialog title={t('unsentTitle')} labelledBy="unsent-title">
          <p>{t('unsentIntro', { n: unsent.ops.length })}</p>
          <ul data-testid="unsent-writes">
            {unsent.ops.map((op, i) => (
              <li key={i}>{describeOp(op)}</li>
            ))}
          </ul>
          <div className="row">
            <button type="button" onClick={() => setUnsent(null)}>
              {t('unsentDiscard')}
            </button>
            <button
              type="button"
              className="primary"
              onClick={() => {
                ann.replay(unsent);
                setUnsent(null);
              }}
            >
              {t('unsentReapply')}
            </button>
          </div>
        </Dialog>
      )}
      {!help && !unsent && annConflict && (
        <ConflictDialog
          what={t(`ann_${(annConflict.mine ?? annConflict.theirs)?.type ?? 'COMMENT'}` as Key)}
          mine={annConflict.op.kind === 'delete' ? [t('deleteAnnotation')] : describeAnn(annConflict.mine)}
          theirs={describeAnn(annConflict.theirs)}
          onTheirs={() => annConflict.resolve('theirs')}
          onMine={() => annConflict.resolve('mine')}
        />
      )}
      {!help && !unsent && !annConflict && scoreConflict && (
        <ConflictDialog
          what={qLabel(scoreConflict.qid)}
          mine={scoreLines(scoreConflict.mine, scoreConflict.qid)}
          theirs={scoreLines(scoreConflict.theirs && { points: formatPoints(scoreConflict.theirs.points, lang), comment: scoreConflict.theirs.comment ?? '' }, scoreConflict.qid)}
          onTheirs={() => scoreConflict.resolve('theirs')}
          onMine={() => scoreConflict.resolve('mine')}
        />
      )}
      {!help && !unsent && !annConflict && !scoreConflict && draft.conflict && (
        <ConflictDialog
          what={t('unsaved')}
          intro={t('draftConflictIntro')}
          mine={draftLines(draft.conflict.mine, qLabel, (n) => t('unsentCount', { n }))}
          theirs={draftLines(draft.conflict.theirs, qLabel, (n) => t('unsentCount', { n }))}
          onTheirs={() => draft.resolveConflict('theirs')}
          onMine={() => draft.resolveConflict('mine')}
        />
      )}
    </div>
  );
}

const TOOL_ICONS: Record<ToolId, string> = { select: '⬚', comment: '▭ Aa', highlight: '▰', tick: '✓', cross: '✗', score: '±', freehand: '✎' };

function imageUrl(copyId: string, pg: { position: number; imageUrl: string }) {
  return pg.imageUrl && pg.imageUrl.startsWith('/') ? pg.imageUrl : api.pageImageUrl(copyId, pg.position);
}

function draftLines(p: DraftPayload, qLabel: (id: string) => string, writesLine: (n: number) => string): string[] {
  const lines = Object.entries(p.scores).map(([qid, v]) => `${qLabel(qid) || qid}: ${v.points}${v.comment ? ` — ${v.comment}` : ''}`);
  if (p.editor) lines.push(`▭ ${p.editor.text}`);
  if (p.writes) lines.push(writesLine(p.writes.ops.length));
  return lines.length ? lines : ['—'];
}

function CommentBox({ editor, onChange, onOk, onCancel }: { editor: CommentEditor; onChange(text: string): void; onOk(): void; onCancel(): void }) {
  const { t } = useI18n();
  const r: Rect = editor.rect;
  return (
    <div
      className="comment-editor"
      style={{ left: `${r.x * 100}%`, top: `${r.y * 100}%`, minWidth: `${Math.max(r.w * 100, 22)}%` }}
      onPointerDown={(e) => e.stopPropagation()}
    >
      <textarea
        aria-label={t('commentText')}
        autoFocus
        value={editor.text}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            onOk();
          }
        }}
      />
      <div className="row">
        <button type="button" className="primary" onClick={onOk}>
          {t('commentOk')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('cancel')}
        </button>
      </div>
    </div>
  );
}

function SelectedScoreEditor({ rec, leaves, onChange }: { rec: AnnRecord; leaves: { id: string; label: string }[]; onChange(f: Partial<AnnRecord>): void }) {
  const { t, lang } = useI18n();
  const [text, setText] = useState(formatDelta(rec.scoreDelta, lang));
  const commit = () => {
    const p = parsePoints(text, { signed: true });
    if (p.ok && p.value !== null && p.value !== rec.scoreDelta) onChange({ scoreDelta: p.value });
  };
  return (
    <section className="selected-score" aria-label={t('ann_SCORE')}>
      <label className="inline">
        {t('badgeValue')}
        <input className="small" value={text} onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === 'Enter' && commit()} />
      </label>
      <label className="inline">
        {t('badgeQuestion')}
        <select value={rec.questionId ?? ''} onChange={(e) => onChange({ questionId: e.target.value || null })}>
          <option value="">{t('noQuestion')}</option>
          {leaves.map((q) => (
            <option key={q.id} value={q.id}>
              {q.label}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}

function EventsList({ copyId }: { copyId: string }) {
  const { t, lang } = useI18n();
  const [events, setEvents] = useState<Awaited<ReturnType<typeof api.events>> | null>(null);
  const [error, setError] = useState<unknown>(null);
  return (
    <details
      onToggle={(e) => {
        if ((e.target as HTMLDetailsElement).open) api.events(copyId).then(setEvents, setError);
      }}
    >
      <summary>{t('events')}</summary>
      <ErrorBox error={error} />
      <ul className="events">
        {events?.map((ev) => (
          <li key={ev.id}>
            {dateTime(ev.createdAt, lang)} · {isKey(`ev_${ev.action}`) ? t(`ev_${ev.action}` as Key) : ev.action}
            {ev.actor ? ` · ${ev.actor.displayName}` : ''}
          </li>
        ))}
      </ul>
    </details>
  );
}
