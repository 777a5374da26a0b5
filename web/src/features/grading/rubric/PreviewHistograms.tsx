/** The exam's histogram before and after an item edit, side by side (plain SVG bars, counts on top). */
import { useI18n } from '../../../i18n';
import type { ItemPreview } from './rubric-types';

export function PreviewHistograms({ h }: { h: NonNullable<ItemPreview['histogram']> }) {
  const { t } = useI18n();
  const max = Math.max(1, ...h.before, ...h.after);
  const chart = (counts: number[], title: string) => {
    const W = 240, H = 110, pad = 16;
    const bw = counts.length ? (W - 2 * pad) / counts.length : 0;
    return (
      <figure className="rubric-hist">
        <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={title}>
          <title>{title}</title>
          {counts.map((c, i) => {
            const bh = ((H - 2 * pad) * c) / max;
            return (
              <g key={i}>
                <rect x={pad + i * bw + 1} y={H - pad - bh} width={Math.max(1, bw - 2)} height={bh} fill="#1565c0">
                  <title>{`${h.bucketLabels[i] ?? i}: ${c}`}</title>
                </rect>
                {c > 0 && (
                  <text x={pad + i * bw + bw / 2} y={H - pad - bh - 2} fontSize={9} textAnchor="middle">
                    {c}
                  </text>
                )}
              </g>
            );
          })}
          <line x1={pad} y1={H - pad} x2={W - pad} y2={H - pad} stroke="#999" />
        </svg>
        <figcaption>{title}</figcaption>
      </figure>
    );
  };
  return (
    <div className="row" data-testid="rubric-histograms">
      {chart(h.before, t('rubricHistogramBefore'))}
      {chart(h.after, t('rubricHistogramAfter'))}
    </div>
  );
}
