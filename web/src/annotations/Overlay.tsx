/** SVG rendering of the annotation records of one page. Coordinates: fractions of the page × page pixel size. */
import { type AnnRecord, type Handle, mapPoints, type Pt, type Rect } from './model';

export interface OverlayProps {
  width: number;
  height: number;
  records: AnnRecord[];
  selected: string | null;
  /** live geometry of the record being moved/resized */
  dragging?: { key: string; rect: Rect } | null;
  /** box being drawn, stroke being drawn */
  draft?: { rect?: Rect | null; points?: Pt[] | null; kind?: 'COMMENT' | 'HIGHLIGHT' } | null;
  labelOf(rec: AnnRecord): string;
  scoreText(rec: AnnRecord): string;
}

const HANDLES: Handle[] = ['nw', 'ne', 'sw', 'se'];

export function Overlay({ width: W, height: H, records, selected, dragging, draft, labelOf, scoreText }: OverlayProps) {
  const font = W * 0.017;
  const stroke = W * 0.0025;
  return (
    <g>
      {records.map((rec) => {
        const r = dragging?.key === rec.key ? dragging.rect : rec;
        const pts = rec.points && dragging?.key === rec.key ? mapPoints(rec.points, rec, r) : rec.points;
        const x = r.x * W, y = r.y * H, w = r.w * W, h = r.h * H;
        return (
          <g key={rec.key} data-key={rec.key} className={`ann ann-${rec.type}`} aria-label={labelOf(rec)} role="img">
            {rec.type === 'COMMENT' && (
              <>
                <rect x={x} y={y} width={w} height={h} fill="#fff7c2" fillOpacity={0.9} stroke="#b58900" strokeWidth={stroke} />
                <foreignObject x={x} y={y} width={w} height={h}>
                  <div className="ann-comment-text" style={{ fontSize: font }}>
                    {rec.content}
                  </div>
                </foreignObject>
              </>
            )}
            {rec.type === 'HIGHLIGHT' && <rect x={x} y={y} width={w} height={h} fill="#ffe14d" fillOpacity={0.4} />}
            {rec.type === 'TICK' && (
              <path
                d={`M ${x + w * 0.1} ${y + h * 0.55} L ${x + w * 0.4} ${y + h * 0.85} L ${x + w * 0.9} ${y + h * 0.15}`}
                fill="none"
                stroke="#0a8a3a"
                strokeWidth={stroke * 2}
                strokeLinecap="round"
                strokeLinejoin="round"
              />
            )}
            {rec.type === 'CROSS' && (
              <path
                d={`M ${x + w * 0.15} ${y + h * 0.15} L ${x + w * 0.85} ${y + h * 0.85} M ${x + w * 0.85} ${y + h * 0.15} L ${x + w * 0.15} ${y + h * 0.85}`}
                stroke="#c62828"
                strokeWidth={stroke * 2}
                strokeLinecap="round"
              />
            )}
            {rec.type === 'SCORE' && (
              <>
                <rect x={x} y={y} width={w} height={h} rx={h / 2} fill="#1565c0" />
                <text x={x + w / 2} y={y + h / 2} fill="#fff" fontSize={Math.min(h * 0.6, font * 1.2)} textAnchor="middle" dominantBaseline="central" fontWeight="bold">
                  {scoreText(rec)}
                </text>
              </>
            )}
            {rec.type === 'FREEHAND' && pts && (
              <polyline
                points={pts.map(([px, py]) => `${px * W},${py * H}`).join(' ')}
                fill="none"
                stroke="#c62828"
                strokeWidth={stroke}
                strokeLinecap="round"
                strokeLinejoin="round"
              />
            )}
            {/* invisible hit area so thin marks are easy to grab */}
            <rect x={x} y={y} width={w} height={h} fill="transparent" className="hit" />
            {selected === rec.key && (
              <>
                <rect x={x} y={y} width={w} height={h} fill="none" stroke="#1565c0" strokeDasharray={`${stroke * 3} ${stroke * 2}`} strokeWidth={stroke} />
                {HANDLES.map((hd) => (
                  <rect
                    key={hd}
                    data-handle={hd}
                    className={`handle handle-${hd}`}
                    x={(hd.includes('w') ? x : x + w) - stroke * 3}
                    y={(hd.includes('n') ? y : y + h) - stroke * 3}
                    width={stroke * 6}
                    height={stroke * 6}
                    fill="#fff"
                    stroke="#1565c0"
                    strokeWidth={stroke}
                  />
                ))}
              </>
            )}
          </g>
        );
      })}
      {draft?.rect && (
        <rect
          x={draft.rect.x * W}
          y={draft.rect.y * H}
          width={draft.rect.w * W}
          height={draft.rect.h * H}
          fill={draft.kind === 'HIGHLIGHT' ? '#ffe14d' : '#fff7c2'}
          fillOpacity={0.5}
          stroke="#b58900"
          strokeDasharray="6 4"
          strokeWidth={stroke}
        />
      )}
      {draft?.points && (
        <polyline points={draft.points.map(([px, py]) => `${px * W},${py * H}`).join(' ')} fill="none" stroke="#c62828" strokeWidth={stroke} strokeLinecap="round" />
      )}
    </g>
  );
}
