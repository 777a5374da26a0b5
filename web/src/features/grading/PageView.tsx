/** One page: the scan image, the SVG overlay on top, pointer events turned into tool events. */
import type { Page } from '@korrigo/contracts';
import type { PointerEvent as ReactPointerEvent } from 'react';
import { useEffect, useRef, useState } from 'react';
import { type AnnRecord, type Handle, hitTest, type AnnState, type Pt } from '../../annotations/model';
import { Overlay } from '../../annotations/Overlay';
import { IDLE, preview, step, type ToolEffect, type ToolId, type ToolState } from '../../annotations/tools';

/** A page of the copy (`Page` of the contracts), its image URL as the desk builds it. */
export type PageInfo = Page;

interface Props {
  page: PageInfo;
  state: AnnState;
  selected: string | null;
  tool: ToolId;
  readOnly: boolean;
  /** null = fit width; otherwise a scale of the page's pixel width */
  zoom: number | null;
  onEffects(effects: ToolEffect[]): void;
  onOpenComment(key: string): void;
  labelOf(rec: AnnRecord): string;
  scoreText(rec: AnnRecord): string;
  imageLabel: string;
  children?: React.ReactNode;
}

export function PageView({ page, state, selected, tool, readOnly, zoom, onEffects, onOpenComment, labelOf, scoreText, imageLabel, children }: Props) {
  const svgRef = useRef<SVGSVGElement>(null);
  const [ts, setTs] = useState<ToolState>(IDLE);
  const W = page.widthPx || 1000;
  const H = page.heightPx || 1414;
  const records = state.order.map((k) => state.byKey[k]!).filter((r) => r && r.pagePosition === page.position);

  const pointOf = (e: { clientX: number; clientY: number }): Pt => {
    const box = svgRef.current!.getBoundingClientRect();
    return [(e.clientX - box.left) / box.width, (e.clientY - box.top) / box.height];
  };

  // Esc cancels a drag in progress
  useEffect(() => {
    if (ts.mode === 'idle') return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setTs(IDLE);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [ts.mode]);

  const feed = (ev: Parameters<typeof step>[2]) => {
    const r = step(tool, ts, ev, { aspect: W / H });
    setTs(r.state);
    if (r.effects.length) onEffects(r.effects);
  };

  function down(e: ReactPointerEvent<SVGSVGElement>) {
    if (readOnly || e.button !== 0) return;
    e.preventDefault();
    (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
    const p = pointOf(e);
    let hit: { key: string; rect: AnnRecord; handle?: Handle } | null = null;
    if (tool === 'select') {
      const handle = (e.target as Element).getAttribute?.('data-handle') as Handle | null;
      const key = handle && selected ? selected : hitTest(state, page.position, p);
      const rec = key ? state.byKey[key] : null;
      if (rec) hit = { key: rec.key, rect: rec, handle: handle ?? undefined };
    }
    feed({ type: 'down', p, hit });
  }

  const pv = preview(tool, ts);
  const dragging = (ts.mode === 'moving' || ts.mode === 'resizing') && pv ? { key: ts.key, rect: pv } : null;
  const draft = ts.mode === 'stroke' ? { points: ts.points } : dragging ? null : pv ? { rect: pv, kind: tool === 'highlight' ? ('HIGHLIGHT' as const) : ('COMMENT' as const) } : null;

  return (
    <div className="page-frame" style={zoom ? { width: `${Math.round(W * zoom)}px` } : { width: '100%' }}>
      <img src={page.imageUrl} alt={imageLabel} width={W} height={H} draggable={false} />
      <svg
        ref={svgRef}
        className={`overlay tool-${tool}${readOnly ? ' readonly' : ''}`}
        viewBox={`0 0 ${W} ${H}`}
        preserveAspectRatio="none"
        role="application"
        aria-label={`${imageLabel} — overlay`}
        data-testid="overlay"
        onPointerDown={down}
        onPointerMove={(e) => ts.mode !== 'idle' && feed({ type: 'move', p: pointOf(e) })}
        onPointerUp={(e) => ts.mode !== 'idle' && feed({ type: 'up', p: pointOf(e) })}
        onPointerCancel={() => feed({ type: 'cancel' })}
        onDoubleClick={(e) => {
          if (readOnly) return;
          const key = hitTest(state, page.position, pointOf(e));
          if (key && state.byKey[key]?.type === 'COMMENT') onOpenComment(key);
        }}
      >
        <Overlay width={W} height={H} records={records} selected={selected} dragging={dragging} draft={draft} labelOf={labelOf} scoreText={scoreText} />
      </svg>
      {children}
    </div>
  );
}
