/** Tools, undo/redo/delete, the score badge's value and question, pages and zoom. */
import { type ToolId, TOOLS } from '../../annotations/tools';
import { type Key, useI18n } from '../../i18n';
import type { ScaleRow } from './scores';

const TOOL_ICONS: Record<ToolId, string> = { select: '⬚', comment: '▭ Aa', highlight: '▰', tick: '✓', cross: '✗', score: '±', freehand: '✎' };

interface Props {
  editable: boolean;
  tool: ToolId;
  setTool(t: ToolId): void;
  canUndo: boolean;
  canRedo: boolean;
  undo(): void;
  redo(): void;
  canDelete: boolean;
  deleteSelected(): void;
  badgeText: string;
  setBadgeText(s: string): void;
  badgeQuestion: string;
  setBadgeQuestion(s: string): void;
  leaves: ScaleRow[];
  pageIdx: number;
  pageCount: number;
  pageBy(delta: number): void;
  zoomBy(f: number): void;
  fitWidth: boolean;
  setFitWidth(): void;
}

export function DeskToolbar(p: Props) {
  const { t } = useI18n();
  return (
    <div className="tools" role="toolbar" aria-label={t('tools')}>
      {TOOLS.map((tl) => (
        <button
          type="button"
          key={tl.id}
          aria-label={t(`tool_${tl.id}` as Key)}
          title={t(`tool_${tl.id}` as Key)}
          aria-pressed={p.tool === tl.id}
          disabled={!p.editable}
          onClick={() => p.setTool(tl.id)}
        >
          {TOOL_ICONS[tl.id]}
        </button>
      ))}
      <span className="sep" />
      <button type="button" aria-label={t('undo')} title="Ctrl+Z" disabled={!p.editable || !p.canUndo} onClick={p.undo}>
        ↶
      </button>
      <button type="button" aria-label={t('redo')} title="Ctrl+Shift+Z" disabled={!p.editable || !p.canRedo} onClick={p.redo}>
        ↷
      </button>
      <button type="button" aria-label={t('deleteAnnotation')} disabled={!p.editable || !p.canDelete} onClick={p.deleteSelected}>
        ⌫
      </button>
      <span className="sep" />
      <label className="inline">
        {t('badgeValue')}
        <input className="small" value={p.badgeText} onChange={(e) => p.setBadgeText(e.target.value)} />
      </label>
      <label className="inline">
        {t('badgeQuestion')}
        <select value={p.badgeQuestion} onChange={(e) => p.setBadgeQuestion(e.target.value)}>
          <option value="">{t('noQuestion')}</option>
          {p.leaves.map((q) => (
            <option key={q.id} value={q.id}>
              {q.label}
            </option>
          ))}
        </select>
      </label>
      <span className="sep" />
      <button type="button" aria-label={t('prevPage')} disabled={p.pageIdx <= 0} onClick={() => p.pageBy(-1)}>
        ←
      </button>
      <span aria-live="polite">{p.pageCount ? t('pageOf', { n: p.pageIdx + 1, total: p.pageCount }) : ''}</span>
      <button type="button" aria-label={t('nextPage')} disabled={p.pageIdx >= p.pageCount - 1} onClick={() => p.pageBy(1)}>
        →
      </button>
      <button type="button" aria-label={t('zoomOut')} onClick={() => p.zoomBy(0.8)}>
        −
      </button>
      <button type="button" aria-label={t('zoomIn')} onClick={() => p.zoomBy(1.25)}>
        +
      </button>
      <button type="button" aria-label={t('fitWidth')} aria-pressed={p.fitWidth} onClick={p.setFitWidth}>
        ↔
      </button>
    </div>
  );
}
