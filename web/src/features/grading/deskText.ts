/** The desk's words for annotations, unsent writes, scores and drafts (dialogs, lists, badges). */
import { useCallback, useMemo } from 'react';
import type { Op } from '../../annotations/commands';
import type { AnnRecord } from '../../annotations/model';
import { type Key, useI18n } from '../../i18n';
import { formatDelta, formatPoints } from '../../lib/points';
import type { DraftPayload } from './draft';
import type { Want } from './score-sync';
import type { ScaleRow } from './scores';

type AnnLike = { type: string; x: number; y: number; content?: string | null; scoreDelta?: number | null; pagePosition: number };

export function useDeskText(rows: ScaleRow[], byKey: Record<string, AnnRecord | undefined>) {
  const { t, lang } = useI18n();
  const qLabel = useCallback((id: string | null) => rows.find((r) => r.id === id)?.label ?? '', [rows]);
  const labelOf = useCallback(
    (rec: AnnRecord) => {
      const base = t(`ann_${rec.type}` as Key);
      if (rec.type === 'COMMENT') return `${base}: ${rec.content ?? ''}`;
      if (rec.type === 'SCORE') return `${base}: ${formatDelta(rec.scoreDelta, lang)}${rec.questionId ? ` (${qLabel(rec.questionId)})` : ''}`;
      return base;
    },
    [t, lang, qLabel],
  );
  return useMemo(
    () => ({
      qLabel,
      labelOf,
      thumbnails: t('thumbnails'),
      pageLabel: (position: number) => t('page', { n: position + 1 }),
      scoreText: (rec: AnnRecord) => formatDelta(rec.scoreDelta, lang),
      describeAnn: (a: AnnLike | null) =>
        a
          ? [
              `${t(`ann_${a.type}` as Key)} · ${t('page', { n: a.pagePosition + 1 })}`,
              `x ${a.x.toFixed(3)} · y ${a.y.toFixed(3)}`,
              ...(a.content ? [`“${a.content}”`] : []),
              ...(a.scoreDelta !== null && a.scoreDelta !== undefined ? [formatDelta(a.scoreDelta, lang)] : []),
            ]
          : [t('deletedElsewhere')],
      /** One unsent write in words: what it is, where, and what it does. */
      describeOp: (op: Op) => {
        const rec = op.kind === 'create' ? op.body : byKey[op.key];
        const what = rec ? `${t(`ann_${rec.type}` as Key)} · ${t('page', { n: rec.pagePosition + 1 })}` : t('annotation');
        const content = op.kind === 'create' ? op.body.content : op.kind === 'patch' ? op.fields.content : null;
        return `${what} — ${t(op.kind === 'create' ? 'opCreate' : op.kind === 'patch' ? 'opPatch' : 'opDelete')}${content ? ` “${content}”` : ''}`;
      },
      scoreLines: (s: Want | { points: number; comment: string | null } | null, qid: string) => {
        if (!s) return [t('noScore')];
        const max = formatPoints(rows.find((l) => l.id === qid)?.maxPoints ?? 0, lang);
        return [`${formatPoints(s.points, lang)} / ${max}`, ...(s.comment ? [s.comment] : [])];
      },
      draftLines: (p: DraftPayload) => {
        const lines = Object.entries(p.scores).map(([qid, v]) => `${qLabel(qid) || qid}: ${v.points}${v.comment ? ` — ${v.comment}` : ''}`);
        if (p.editor) lines.push(`▭ ${p.editor.text}`);
        if (p.writes) lines.push(t('unsentCount', { n: p.writes.ops.length }));
        return lines.length ? lines : ['—'];
      },
    }),
    [t, lang, qLabel, labelOf, byKey, rows],
  );
}
