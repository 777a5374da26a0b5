/** SVG rendering of the annotation records of one page. Coordinates: fractions of the page × page pixel size. */
import { ANNOTATION_STYLE as S, type BoxPoint } from '@korrigo/contracts/drawing-style';
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

/** An SVG path through points given as fractions of a box (the PDF flattener draws the same paths). */
const boxPath = (x: number, y: number, w: number, h: number, points: readonly BoxPoint[]) =>
  points.map(([fx, fy], i) => `${i ? 'L' : 'M'} ${x + w * fx} ${y + h * fy}`).join(' ');

export function Overlay({ width: W, height: H, records, selected, dragging, draft, labelOf, scoreText }: OverlayProps) {
  // the drawing style shared with the PDF flattener (contracts/src/drawing-style.ts)
  const font = W * S.font;
  const stroke = W * S.pen;
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
                <rect x={x} y={y} width={w} height={h} fill={S.comment.fill} fillOpacity={S.comment.opacity} stroke={S.comment.border} strokeWidth={stroke} />
                <foreignObject x={x} y={y} width={w} height={h}>
                  <div className="ann-comment-text" style={{ fontSize: font }}>
                    {rec.content}
                  </div>
                </foreignObject>
              </>
            )}
            {rec.type === 'HIGHLIGHT' && <rect x={x} y={y} width={w} height={h} fill={S.highlight.color} fillOpacity={S.highlight.opacity} />}
            {rec.type === 'TICK' && (
              <path
                d={boxPath(x, y, w, h, S.tick.path)}
                fill="none"
                stroke={S.tick.color}
                strokeWidth={stroke * S.tick.pens}
                strokeLinecap="round"
                strokeLinejoin="round"
              />
            )}
            {rec.type === 'CROSS' && (
              <path
                d={S.cross.strokes.map((p) => boxPath(x, y, w, h, p)).join(' ')}
                stroke={S.cross.color}
                strokeWidth={stroke * S.cross.pens}
                strokeLinecap="round"
              />
            )}
            {rec.type === 'SCORE' && (
              <>
                <rect x={x} y={y} width={w} height={h} rx={h / 2} fill={S.score.fill} />
                <text x={x + w / 2} y={y + h / 2} fill={S.score.text} fontSize={Math.min(h * S.score.textHeight, font * S.score.fontScale)} textAnchor="middle" dominantBaseline="central" fontWeight="bold">
                  {scoreText(rec)}
                </text>
              </>
            )}
            {rec.type === 'FREEHAND' && pts && (
              <polyline
                points={pts.map(([px, py]) => `${px * W},${py * H}`).join(' ')}
                fill="none"
                stroke={S.freehand.color}
                strokeWidth={stroke * S.freehand.pens}
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
          fill={draft.kind === 'HIGHLIGHT' ? S.highlight.color : S.comment.fill}
          fillOpacity={0.5}
          stroke={S.comment.border}
          strokeDasharray="6 4"
          strokeWidth={stroke}
        />
      )}
      {draft?.points && (
        <polyline points={draft.points.map(([px, py]) => `${px * W},${py * H}`).join(' ')} fill="none" stroke={S.freehand.color} strokeWidth={stroke * S.freehand.pens} strokeLinecap="round" />
      )}
    </g>
  );
}
