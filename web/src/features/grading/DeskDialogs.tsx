/**
 * The desk's dialogs, one at a time in this order: help; annotation writes from an earlier page; conflicts
 * (annotation, score, draft); unscored questions before Submit / Finalize / Finish.
 */
import type { PendingWrites } from '../../annotations/pending';
import { type Key, useI18n } from '../../i18n';
import { Dialog } from '../common/ui';
import { ConflictDialog } from './ConflictDialog';
import type { useDeskText } from './deskText';
import { HelpOverlay } from './HelpOverlay';
import type { useAnnotations } from './useAnnotations';
import type { DraftConflict } from './useDraft';
import type { UnscoredConfirm } from './useFinalize';
import type { PendingScoreConflict } from './useScores';

interface Props {
  help: boolean;
  closeHelp(): void;
  unsent: PendingWrites | null;
  discardUnsent(): void;
  reapplyUnsent(): void;
  ann: ReturnType<typeof useAnnotations>;
  scoreConflict: PendingScoreConflict | undefined;
  draftConflict: DraftConflict | null;
  resolveDraft(c: 'theirs' | 'mine'): void;
  confirm: UnscoredConfirm | null;
  confirmUnscored(): void;
  cancelConfirm(): void;
  text: ReturnType<typeof useDeskText>;
}

export function DeskDialogs(p: Props) {
  const { t } = useI18n();
  const { text } = p;
  if (p.help) return <HelpOverlay onClose={p.closeHelp} />;
  if (p.unsent)
    return (
      <Dialog title={t('unsentTitle')} labelledBy="unsent-title">
        <p>{t('unsentIntro', { n: p.unsent.ops.length })}</p>
        <ul data-testid="unsent-writes">
          {p.unsent.ops.map((op, i) => (
            <li key={i}>{text.describeOp(op)}</li>
          ))}
        </ul>
        <div className="row">
          <button type="button" onClick={p.discardUnsent}>
            {t('unsentDiscard')}
          </button>
          <button type="button" className="primary" onClick={p.reapplyUnsent}>
            {t('unsentReapply')}
          </button>
        </div>
      </Dialog>
    );
  const annConflict = p.ann.conflicts[0];
  if (annConflict)
    return (
      <ConflictDialog
        what={t(`ann_${(annConflict.mine ?? annConflict.theirs)?.type ?? 'COMMENT'}` as Key)}
        mine={annConflict.op.kind === 'delete' ? [t('deleteAnnotation')] : text.describeAnn(annConflict.mine)}
        theirs={text.describeAnn(annConflict.theirs)}
        onTheirs={() => annConflict.resolve('theirs')}
        onMine={() => annConflict.resolve('mine')}
      />
    );
  const sc = p.scoreConflict;
  if (sc)
    return (
      <ConflictDialog
        what={text.qLabel(sc.qid)}
        mine={text.scoreLines(sc.mine, sc.qid)}
        theirs={text.scoreLines(sc.theirs, sc.qid)}
        onTheirs={() => sc.resolve('theirs')}
        onMine={() => sc.resolve('mine')}
      />
    );
  if (p.draftConflict)
    return (
      <ConflictDialog
        what={t('unsaved')}
        intro={t('draftConflictIntro')}
        mine={text.draftLines(p.draftConflict.mine)}
        theirs={text.draftLines(p.draftConflict.theirs)}
        onTheirs={() => p.resolveDraft('theirs')}
        onMine={() => p.resolveDraft('mine')}
      />
    );
  if (p.confirm)
    return (
      <Dialog title={t('unscoredTitle')} onClose={p.cancelConfirm} labelledBy="unscored-title">
        <p>{t('unscoredIntro', { n: p.confirm.unscored.length })}</p>
        <ul data-testid="unscored-questions">
          {p.confirm.unscored.map((qid) => (
            <li key={qid}>{text.qLabel(qid) || qid}</li>
          ))}
        </ul>
        <div className="row">
          <button type="button" onClick={p.cancelConfirm}>
            {t('unscoredBack')}
          </button>
          <button type="button" className="primary" onClick={p.confirmUnscored}>
            {t('unscoredConfirm')}
          </button>
        </div>
      </Dialog>
    );
  return null;
}
