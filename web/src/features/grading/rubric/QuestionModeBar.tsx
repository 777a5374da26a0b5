/**
 * Question mode's bar: which question, its progress, the next copy not scored on it (N), back to the whole copy;
 * and, clearly, when someone else holds this copy or this question of it.
 */
import type { UserRef } from '@korrigo/contracts';
import { useI18n } from '../../../i18n';
import { navigate } from '../../../lib/router';
import { hhmm } from '../../../lib/time';
import { ProgressBar } from '../../common/ui';
import type { ScaleRow } from '../scores';
import { questionModeUrl, type useQuestionMode } from './useQuestionMode';

interface Props {
  copyId: string;
  question: ScaleRow;
  leaves: ScaleRow[];
  qm: ReturnType<typeof useQuestionMode>;
  other: { owner: UserRef | null; expiresAt: string | null } | null;
  hasRegion: boolean;
  zoomToRegion(): void;
}

export function QuestionModeBar({ copyId, question, leaves, qm, other, hasRegion, zoomToRegion }: Props) {
  const { t } = useI18n();
  const p = qm.progress;
  return (
    <div className="question-bar" role="region" aria-label={t('questionMode')} data-testid="question-bar">
      <strong>{t('questionMode')}</strong>
      <label>
        {t('chooseQuestion')}{' '}
        <select value={question.id} onChange={(e) => navigate(questionModeUrl(copyId, e.target.value))}>
          {leaves.map((l) => (
            <option key={l.id} value={l.id}>
              {l.label}
            </option>
          ))}
        </select>
      </label>
      {p && (
        <span className="question-progress" data-testid="question-progress">
          <ProgressBar value={p.scored} max={p.total} label={`${t('questionProgressLabel', { label: question.label })}: ${t('questionProgress', { done: p.scored, total: p.total })}`} />
        </span>
      )}
      <button type="button" className="primary" onClick={() => void qm.next()} disabled={qm.busy} data-testid="question-next">
        {t('nextUngraded')}
      </button>
      {hasRegion && (
        <button type="button" onClick={zoomToRegion}>
          {t('zoomToRegion')}
        </button>
      )}
      <button type="button" className="link" onClick={() => navigate(`/copies/${copyId}/grade`)}>
        {t('wholeCopy')}
      </button>
      {qm.done && (
        <span className="success" role="status" data-testid="question-done">
          {t('questionDone')}
        </span>
      )}
      {qm.error && (
        <span className="note note-error" role="alert">
          {qm.error}
        </span>
      )}
      {other && (
        <p className="note note-error" role="alert" data-testid="question-locked">
          {other.owner && other.expiresAt ? t('questionLockedBy', { owner: other.owner.displayName, until: hhmm(other.expiresAt) }) : t('questionLockedUnknown')}
        </p>
      )}
    </div>
  );
}
