/** A rubric write met a newer version of the question: the items of both sides, keep theirs or put mine back. */
import { useI18n } from '../../../i18n';
import { formatDelta, formatPoints } from '../../../lib/points';
import { ConflictDialog } from '../ConflictDialog';
import type { RubricItem, RubricWant } from './rubric-types';
import type { PendingRubricConflict } from './useRubric';

export function RubricConflictDialog({ c, items, questionLabel }: { c: PendingRubricConflict; items: RubricItem[]; questionLabel: string }) {
  const { t, lang } = useI18n();
  const lines = (w: RubricWant, points?: number | null) => {
    const out = w.applied.map((a) => {
      const it = items.find((i) => i.id === a.itemId);
      return it ? `${it.label} (${formatDelta(it.points, lang)})` : '?';
    });
    if (!out.length) out.push(t('rubricNothingApplied'));
    if (w.adjustment) out.push(t('rubricAdjustmentLine', { points: formatDelta(w.adjustment, lang) }));
    if (points !== undefined && points !== null) out.push(`= ${formatPoints(points, lang)}`);
    return out;
  };
  return (
    <ConflictDialog
      what={t('rubricConflictWhat', { label: questionLabel })}
      intro={t('rubricConflictIntro')}
      mine={lines(c.mine)}
      theirs={lines(c.theirs, c.theirs.points)}
      onTheirs={() => c.resolve('theirs')}
      onMine={() => c.resolve('mine')}
    />
  );
}
