/** A plain SVG histogram (no chart library): one bar per bucket, counts on top, bounds below. */
import { formatPoints } from '../../lib/points';
import type { Bucket } from './stats';

export function Histogram({ buckets, title, lang }: { buckets: Bucket[]; title: string; lang: 'fr' | 'en' }) {
  const W = 320, H = 160, pad = 24;
  const maxCount = Math.max(1, ...buckets.map((b) => b.count));
  const bw = buckets.length ? (W - 2 * pad) / buckets.length : 0;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={title}>
      <title>{title}</title>
      <line x1={pad} y1={H - pad} x2={W - pad} y2={H - pad} stroke="#999" />
      {buckets.map((b, i) => {
        const h = ((H - 2 * pad) * b.count) / maxCount;
        const x = pad + i * bw;
        return (
          <g key={i}>
            <rect className="bar" x={x + 1} y={H - pad - h} width={Math.max(1, bw - 2)} height={h}>
              <title>{`${formatPoints(b.from, lang)}–${formatPoints(b.to, lang)}: ${b.count}`}</title>
            </rect>
            {b.count > 0 && (
              <text x={x + bw / 2} y={H - pad - h - 3} textAnchor="middle">
                {b.count}
              </text>
            )}
            {i % Math.ceil(buckets.length / 6) === 0 && (
              <text x={x} y={H - pad + 14} textAnchor="middle">
                {formatPoints(b.from, lang)}
              </text>
            )}
          </g>
        );
      })}
      {buckets.length > 0 && (
        <text x={W - pad} y={H - pad + 14} textAnchor="middle">
          {formatPoints(buckets[buckets.length - 1]!.to, lang)}
        </text>
      )}
    </svg>
  );
}
