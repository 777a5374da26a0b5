import type { ReactNode } from 'react';
import { useI18n } from '../../i18n';

interface Props {
  title: string;
  setTitle: (v: string) => void;
  date: string;
  setDate: (v: string) => void;
  pages: string;
  setPages: (v: string) => void;
  /** extra controls at the end of the row (e.g. the anonymity switch when creating) */
  children?: ReactNode;
}

/** The exam's own fields, shared by the create form and the Scale tab so both validate alike. */
export function ExamFields({ title, setTitle, date, setDate, pages, setPages, children }: Props) {
  const { t } = useI18n();
  return (
    <div className="row">
      <label>
        {t('title')}
        <input value={title} onChange={(e) => setTitle(e.target.value)} required />
      </label>
      <label>
        {t('examDate')}
        <input type="date" value={date} onChange={(e) => setDate(e.target.value)} />
      </label>
      <label>
        {t('pagesPerCopy')}
        <input type="number" min={1} max={500} className="small" value={pages} onChange={(e) => setPages(e.target.value)} required />
      </label>
      {children}
    </div>
  );
}
