/** The comment box editor: Enter confirms, Shift+Enter starts a new line, Esc cancels; placed beside the box. */
import { useI18n } from '../../i18n';
import { editorPlacement } from './comment-placement';
import type { CommentEditor as Editor } from './draft';

export function CommentEditor({ editor, onChange, onOk, onCancel }: { editor: Editor; onChange(text: string): void; onOk(): void; onCancel(): void }) {
  const { t } = useI18n();
  const r = editor.rect;
  const at = editorPlacement(r);
  const pct = (n: number | undefined) => (n === undefined ? undefined : `${n * 100}%`);
  return (
    <div
      className="comment-editor"
      data-testid="comment-editor"
      style={{ left: pct(at.left), top: pct(at.top), bottom: pct(at.bottom), minWidth: `${Math.max(r.w * 100, 22)}%` }}
      onPointerDown={(e) => e.stopPropagation()}
    >
      <textarea
        aria-label={t('commentText')}
        autoFocus
        value={editor.text}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            onOk();
          }
        }}
      />
      <div className="row">
        <button type="button" className="primary" onClick={onOk}>
          {t('commentOk')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('cancel')}
        </button>
        <span className="muted small">{t('commentKeys')}</span>
      </div>
    </div>
  );
}
