/** Right-hand side of the desk: a regrade request to answer, scoring, the selected score badge, the annotations list, the copy's history. */
import { updateCommand } from '../../annotations/commands';
import type { CopyStatus } from '@korrigo/contracts';
import type { AnnRecord } from '../../annotations/model';
import { useI18n } from '../../i18n';
import { RegradeDeskPanel } from '../regrade/RegradeDeskPanel';
import { EventsList } from './EventsList';
import { ScoringPanel } from './ScoringPanel';
import type { ScaleRow } from './scores';
import { SelectedScoreEditor } from './SelectedScoreEditor';
import type { useAnnotations } from './useAnnotations';
import type { useScores } from './useScores';

interface Props {
  copyId: string;
  /** an admin or the exam's owner: answers any regrade request of the copy */
  manages: boolean;
  status: CopyStatus;
  /** the copy was reopened from the regrade panel: read it again */
  onReopened(): void;
  notScored: string[];
  rows: ScaleRow[];
  scores: ReturnType<typeof useScores>;
  maxTotal: number;
  editable: boolean;
  ann: ReturnType<typeof useAnnotations>;
  labelOf(rec: AnnRecord): string;
  showAnnotation(rec: AnnRecord): void;
  /** the rubric of the current question (issue 13) */
  rubric?: React.ReactNode;
}

export function DeskSidePanel({ copyId, manages, status, onReopened, notScored, rows, scores, maxTotal, editable, ann, labelOf, showAnnotation, rubric }: Props) {
  const { t } = useI18n();
  const selected = ann.selected ? ann.state.byKey[ann.selected] : null;
  const list = ann.state.order.map((k) => ann.state.byKey[k]!).filter(Boolean);
  return (
    <aside className="desk-side">
      <RegradeDeskPanel key={status} copyId={copyId} manages={manages} onReopened={onReopened} />
      {rubric}
      <ScoringPanel
        rows={rows}
        saved={scores.saved}
        inputs={scores.inputs}
        notes={scores.notes}
        notScored={notScored}
        readOnly={!editable}
        total={scores.total}
        subtotals={scores.subtotals}
        maxTotal={maxTotal}
        onInput={(qid, field, value) => scores.setInput(qid, { ...(scores.inputs[qid] ?? { points: '', comment: '' }), [field]: value })}
        onCommit={scores.commit}
      />
      {selected && selected.type === 'SCORE' && editable && (
        <SelectedScoreEditor key={selected.key} rec={selected} leaves={scores.leaves} onChange={(fields) => ann.exec(updateCommand(selected, fields))} />
      )}
      <section aria-label={t('annotations')}>
        <h2>{t('annotations')}</h2>
        {list.length === 0 ? (
          <p className="muted">{t('noAnnotations')}</p>
        ) : (
          <ul className="ann-list">
            {list.map((a) => (
              <li key={a.key}>
                <button type="button" className={a.key === ann.selected ? 'link current' : 'link'} onClick={() => showAnnotation(a)}>
                  p.{a.pagePosition + 1} · {labelOf(a)}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <EventsList copyId={copyId} />
    </aside>
  );
}
