/**
 * The grading desk (DESIGN §8): thumbnails · page + overlay · scoring panel; lease, autosave, conflicts, submit,
 * finalize and Finish. Built for the keyboard (useDeskKeyboard, listed in the help overlay). This file loads the
 * copy and composes the desk's parts; each part has one job.
 */
import type { CopyDetail, CopySummary, Exam } from '@korrigo/contracts';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { navigate, useLocation } from '../../lib/router';
import { useSession } from '../auth/session';
import { loadDesk, prefetchDesk } from './deskData';
import { ErrorBox, Loading } from '../common/ui';
import { CommentEditor } from './CommentEditor';
import { DeskBottomBar } from './DeskBottomBar';
import { DeskDialogs } from './DeskDialogs';
import { DeskSidePanel } from './DeskSidePanel';
import { useDeskText } from './deskText';
import { DeskToolbar } from './DeskToolbar';
import { DeskTopBar } from './DeskTopBar';
import { PageView } from './PageView';
import { DeskRubricDialogs } from './rubric/DeskRubricDialogs';
import { QuestionModeBar } from './rubric/QuestionModeBar';
import { RubricBadges } from './rubric/RubricBadges';
import { RubricPanel } from './rubric/RubricPanel';
import { useDeskRubric } from './rubric/useDeskRubric';
import { questionModeUrl } from './rubric/useQuestionMode';
import { scaleRows } from './scores';
import { useAnnotations } from './useAnnotations';
import { useAnnotationTools } from './useAnnotationTools';
import { useDeskDraft } from './useDeskDraft';
import { useDeskKeyboard } from './useDeskKeyboard';
import { useDeskView } from './useDeskView';
import { nextToGrade, useFinalize } from './useFinalize';
import { useLease } from './useLease';
import { useSaveText } from './useSaveText';
import { useScores } from './useScores';

export function GradingDesk({ copyId }: { copyId: string }) {
  const [copy, setCopy] = useState<CopyDetail | null>(null);
  const [exam, setExam] = useState<Exam | null>(null);
  const [siblings, setSiblings] = useState<CopySummary[]>([]);
  const [error, setError] = useState<unknown>(null);

  // one request for the copy, its exam and its siblings (deskData.ts), maybe already on its way
  const load = useCallback(async () => {
    setError(null);
    try {
      const b = await loadDesk(copyId);
      setCopy(b.copy);
      setExam(b.exam);
      setSiblings(b.siblings);
    } catch (err) {
      setError(err);
    }
  }, [copyId]);
  useEffect(() => void load(), [load]);

  if (error) return <main className="page"><ErrorBox error={error} onRetry={load} /></main>;
  if (!copy) return <main className="page"><Loading /></main>;
  return <Desk copy={copy} exam={exam} siblings={siblings} setCopy={setCopy} />;
}

function Desk({ copy, exam, siblings, setCopy }: { copy: CopyDetail; exam: Exam | null; siblings: CopySummary[]; setCopy(c: CopyDetail): void }) {
  const { user } = useSession();
  // the exam's owner runs it like an admin (its copies list, breaking a lease, answering any regrade request)
  const manages = user.role === 'ADMIN' || (!!exam?.owner && exam.owner.id === user.id);
  const copyId = copy.id;
  const wantLease = copy.status === 'READY';
  // question mode (issue 13): /copies/:id/grade?question=… — a lease on that question only
  const questionParam = useLocation().query.get('question');
  const { lease, token, acquire, lost } = useLease(copyId, wantLease, questionParam);
  const tokenRef = useRef<string | null>(token);
  tokenRef.current = token;
  const editable = lease.kind === 'held' && copy.status === 'READY';

  const ann = useAnnotations(copyId, copy.annotations, tokenRef, lost);
  const rows = useMemo(() => scaleRows(exam?.questions ?? []), [exam]);
  const scores = useScores(copyId, copy.scores, rows, editable, tokenRef, lost);
  const view = useDeskView(copy.pages);
  // a question lease (question mode) writes that question's score and rubric only, not annotations
  const annEditable = editable && !questionParam;
  const tools = useAnnotationTools(ann, view.page, annEditable);
  const d = useDeskDraft({ copyId, userId: user.id, token, lost, editable, scores, ann, editor: tools.editor, setEditor: tools.setEditor, pages: copy.pages, showPage: view.setPageIdx });
  const text = useDeskText(rows, ann.state.byKey);
  const [help, setHelp] = useState(false);

  const flushDesk = useCallback(async () => {
    await scores.flush();
    await ann.idle();
    await d.draft.flush();
  }, [scores, ann, d.draft]);
  const questionId = questionParam && scores.leaves.some((l) => l.id === questionParam) ? questionParam : null;
  const r = useDeskRubric({
    copy, exam, leaves: scores.leaves, questionId, editable, tokenRef, lost, savedScores: scores.saved, refreshScores: scores.refreshFrom,
    annState: ann.state, view, flushOthers: flushDesk,
  });
  const flushAll = r.flush;

  const idx = siblings.findIndex((s) => s.id === copyId);
  const goCopy = useCallback(
    async (delta: number) => {
      const target = siblings[idx + delta];
      if (!target) return false;
      if (editable) await flushAll().catch(() => undefined);
      navigate(questionId ? questionModeUrl(target.id, questionId) : `/copies/${target.id}/grade`);
      return true;
    },
    [siblings, idx, editable, flushAll, questionId],
  );
  const goNext = useCallback(async () => {
    const next = nextToGrade(siblings, idx);
    if (next) navigate(`/copies/${next.id}/grade`);
    return !!next;
  }, [siblings, idx]);
  const f = useFinalize({ copy, setCopy, tokenRef, flushAll, editable, goNext });

  // while this copy is graded, the next ones (→ and "next to grade") load ahead: bundle and first page image
  const nextId = siblings[idx + 1]?.id;
  const nextToGradeId = nextToGrade(siblings, idx)?.id;
  useEffect(() => {
    const t = setTimeout(() => {
      for (const id of new Set([nextId, nextToGradeId])) if (id && id !== copyId) prefetchDesk(id);
    }, 500);
    return () => clearTimeout(t);
  }, [copyId, nextId, nextToGradeId]);

  useDeskKeyboard({
    editable: annEditable,
    help,
    editorOpen: !!tools.editor,
    setHelp,
    closeEditor: () => tools.setEditor(null),
    deselect: () => ann.setSelected(null),
    undo: ann.undo,
    redo: ann.redo,
    pageBy: view.pageBy,
    goCopy: (n) => void goCopy(n),
    deleteSelected: tools.deleteSelected,
    zoomBy: view.zoomBy,
    fitWidth: () => view.setZoom(null),
    setTool: tools.setTool,
    finish: () => void f.finish(),
  });

  const saveText = useSaveText(editable, ann.sync, scores.status, d.draft.status);
  const page = view.page;
  return (
    <div className="desk">
      <DeskTopBar
        copy={copy}
        exam={exam}
        queueLink={manages ? `/exams/${copy.examId}/copies` : `/queue?exam=${copy.examId}`}
        lease={lease}
        wantLease={wantLease}
        acquire={() => void acquire()}
        saveText={saveText}
        idx={idx}
        count={siblings.length}
        goCopy={(n) => void goCopy(n)}
        showHelp={() => setHelp(true)}
        failures={ann.failures}
        dismissFailures={ann.dismissFailures}
        restoredNote={d.restoredNote}
        closeRestoredNote={d.closeRestoredNote}
      />
      {questionId && r.question && (
        <QuestionModeBar
          copyId={copyId}
          question={r.question}
          leaves={scores.leaves}
          qm={r.qm}
          other={lease.kind === 'other' ? lease : null}
          hasRegion={!!r.region}
          zoomToRegion={r.zoomToRegion}
        />
      )}
      <div className="desk-body">
        <nav className="thumbs" aria-label={text.thumbnails}>
          {copy.pages.map((pg, i) => (
            <button type="button" key={pg.position} className={i === view.pageIdx ? 'thumb current' : 'thumb'} aria-label={text.pageLabel(pg.position)} aria-current={i === view.pageIdx ? 'page' : undefined} onClick={() => view.setPageIdx(i)}>
              <img src={view.imageUrl(copyId, pg)} alt="" loading="lazy" />
              <span>{pg.position + 1}</span>
            </button>
          ))}
        </nav>
        <section className="desk-main">
          <DeskToolbar
            editable={annEditable}
            tool={tools.tool}
            setTool={tools.setTool}
            badgeText={tools.badgeText}
            setBadgeText={tools.setBadgeText}
            badgeQuestion={tools.badgeQuestion}
            setBadgeQuestion={tools.setBadgeQuestion}
            deleteSelected={tools.deleteSelected}
            canUndo={ann.canUndo}
            canRedo={ann.canRedo}
            undo={ann.undo}
            redo={ann.redo}
            canDelete={!!ann.selected && !!ann.state.byKey[ann.selected]}
            leaves={scores.leaves}
            pageIdx={view.pageIdx}
            pageCount={copy.pages.length}
            pageBy={view.pageBy}
            zoomBy={view.zoomBy}
            fitWidth={view.zoom === null}
            setFitWidth={() => view.setZoom(null)}
          />
          <div className="page-scroll" ref={view.scrollRef}>
            {page && (
              <PageView key={page.position} page={{ ...page, imageUrl: view.imageUrl(copyId, page) }} state={r.annState} selected={ann.selected} tool={tools.tool} readOnly={!annEditable || !!tools.editor} zoom={view.zoom} onEffects={tools.onEffects} onOpenComment={tools.openComment} labelOf={text.labelOf} scoreText={text.scoreText} imageLabel={text.pageLabel(page.position)}>
                <RubricBadges pagePosition={page.position} applied={r.applied} items={r.rubric.items} placing={editable && !!r.rubric.armed} onPlace={r.rubric.place} />
                {tools.editor && tools.editor.page === page.position && (
                  <CommentEditor editor={tools.editor} onChange={(t) => tools.setEditor({ ...tools.editor!, text: t })} onOk={tools.commitEditor} onCancel={() => tools.setEditor(null)} />
                )}
              </PageView>
            )}
          </div>
        </section>
        <DeskSidePanel
          copyId={copyId}
          manages={manages}
          status={copy.status}
          onReopened={f.reload}
          notScored={copy.notScored ?? []}
          rows={questionId ? rows.filter((q) => q.id === questionId) : rows}
          scores={scores}
          maxTotal={exam?.maxTotal ?? 0}
          editable={editable}
          ann={{ ...ann, state: r.annState }}
          rubric={
            r.question && exam ? (
              <RubricPanel
                rubric={r.rubric}
                examId={exam.id}
                question={r.question}
                leaves={questionId ? null : scores.leaves}
                setQuestion={r.setQuestion}
                editable={editable}
                focusRequest={r.focusRequest}
                editItem={r.setEditing}
              />
            ) : null
          }
          labelOf={text.labelOf}
          showAnnotation={(a) => {
            view.setPageIdx(Math.max(0, copy.pages.findIndex((pg) => pg.position === a.pagePosition)));
            ann.setSelected(a.key);
          }}
        />
      </div>
      {!questionId && <DeskBottomBar copy={copy} maxTotal={exam?.maxTotal ?? 0} editable={editable} canUnlock={manages || copy.lockedBy?.id === user.id} f={f} />}
      <DeskRubricDialogs r={r} leaves={scores.leaves} />
      <DeskDialogs
        help={help}
        closeHelp={() => setHelp(false)}
        unsent={d.unsent}
        discardUnsent={d.discardUnsent}
        reapplyUnsent={d.reapplyUnsent}
        ann={ann}
        scoreConflict={scores.conflicts[0]}
        draftConflict={d.draft.conflict}
        resolveDraft={d.draft.resolveConflict}
        confirm={f.confirm}
        confirmUnscored={() => void f.confirmUnscored()}
        cancelConfirm={f.cancelConfirm}
        text={text}
      />
    </div>
  );
}
