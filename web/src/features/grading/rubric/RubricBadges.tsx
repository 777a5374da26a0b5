/**
 * The badges of the rubric items applied on this page (label and points where the teacher clicked), and, while an
 * item waits for its place, a layer that takes the next click on the page. Rendered inside the page frame, over
 * the annotation overlay; coordinates are fractions of the page, like every annotation.
 */
import { useI18n } from '../../../i18n';
import { formatDelta } from '../../../lib/points';
import type { RubricItem, RubricWant } from './rubric-types';

interface Props {
  pagePosition: number;
  /** per question, what is applied */
  applied: RubricWant[];
  items: RubricItem[];
  placing: boolean;
  onPlace(at: { pagePosition: number; x: number; y: number }): void;
}

const round4 = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 1e4) / 1e4;
/** a badge's size on the page (the server's, rubric.service.ts): its x, y are its top-left corner */
export const BADGE = { w: 0.09, h: 0.035 };
/** The badge's top-left corner for a click at p: centred on it, inside the page. */
export const badgeCorner = (p: { x: number; y: number }) => ({
  x: round4(Math.min(1 - BADGE.w, Math.max(0, p.x - BADGE.w / 2))),
  y: round4(Math.min(1 - BADGE.h, Math.max(0, p.y - BADGE.h / 2))),
});

export function RubricBadges({ pagePosition, applied, items, placing, onPlace }: Props) {
  const { lang } = useI18n();
  const byId = new Map(items.map((i) => [i.id, i]));
  const here = applied.flatMap((w) => w.applied).filter((a) => a.pagePosition === pagePosition && a.x != null && a.y != null);
  return (
    <>
      <div className="rubric-badges" aria-hidden>
        {here.map((a) => {
          const it = byId.get(a.itemId);
          return (
            <span key={a.itemId} className="rubric-badge" data-testid="rubric-badge" style={{ left: `${a.x! * 100}%`, top: `${a.y! * 100}%`, width: `${BADGE.w * 100}%`, height: `${BADGE.h * 100}%` }} title={it?.comment ?? undefined}>
              {it ? `${it.label} ${formatDelta(it.points, lang)}` : '?'}
            </span>
          );
        })}
      </div>
      {placing && (
        <div
          className="rubric-place-layer"
          data-testid="rubric-place-layer"
          onPointerDown={(e) => {
            if (e.button !== 0) return;
            e.preventDefault();
            const box = e.currentTarget.getBoundingClientRect();
            onPlace({ pagePosition, ...badgeCorner({ x: (e.clientX - box.left) / box.width, y: (e.clientY - box.top) / box.height }) });
          }}
        />
      )}
    </>
  );
}
