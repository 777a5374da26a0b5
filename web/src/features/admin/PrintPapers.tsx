/**
 * Print papers (issue 17): booklets whose pages carry their own codes, named for a class or anonymous, downloaded
 * as one PDF. Scanned back in any order, they sort and name themselves (GET /exams/:id/papers.pdf).
 */
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import type { TabProps } from './ExamPage';

export function PrintPapers({ exam }: Pick<TabProps, 'exam'>) {
  const { t, lang } = useI18n();
  const [kind, setKind] = useState<'class' | 'count'>('class');
  const [className, setClassName] = useState('');
  const [count, setCount] = useState(30);
  const [pages, setPages] = useState(exam.pagesPerCopy);
  const ready = kind === 'count' ? count >= 1 && count <= 500 : className.trim() !== '';
  const href = ready
    ? api.papersPdfUrl(exam.id, { ...(kind === 'class' ? { class: className.trim() } : { count }), pages, lang })
    : undefined;
  const stop = (e: FormEvent) => e.preventDefault();

  return (
    <form className="card" onSubmit={stop} aria-label={t('printPapers')}>
      <h2>{t('printPapers')}</h2>
      <p className="muted">{t('printPapersHint')}</p>
      <div className="row">
        <label className="inline">
          <input type="radio" name="papers-kind" checked={kind === 'class'} onChange={() => setKind('class')} /> {t('printPapersForClass')}
        </label>
        <input aria-label={t('filterClass')} value={className} disabled={kind !== 'class'} onChange={(e) => setClassName(e.target.value)} />
        <label className="inline">
          <input type="radio" name="papers-kind" checked={kind === 'count'} onChange={() => setKind('count')} /> {t('printPapersAnonymous')}
        </label>
        <input type="number" min={1} max={500} aria-label={t('printPapersCount')} value={count} disabled={kind !== 'count'} onChange={(e) => setCount(Number(e.target.value))} />
        <label className="inline">
          {t('printPapersPages')} <input type="number" min={1} max={40} value={pages} onChange={(e) => setPages(Number(e.target.value))} />
        </label>
        {href ? (
          <a className="button primary" href={href} download>
            {t('printPapersDownload')}
          </a>
        ) : (
          <button type="button" disabled>
            {t('printPapersDownload')}
          </button>
        )}
      </div>
    </form>
  );
}
