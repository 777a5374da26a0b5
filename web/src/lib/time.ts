/** HH:MM in local time, as shown on the desk ("held by you until 14:32"). */
export function hhmm(iso: string | Date | number | null | undefined): string {
  if (iso === null || iso === undefined) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/**
 * The one date format of each language, everywhere in the app: French 01/12/2026, English Dec 1, 2026. A date
 * without a time (an exam's date, "2026-12-01") is a calendar day: shown as is, whatever the browser's time zone.
 */
const DATE_FORMAT: Record<'fr' | 'en', Intl.DateTimeFormatOptions> = {
  fr: { day: '2-digit', month: '2-digit', year: 'numeric' },
  en: { month: 'short', day: 'numeric', year: 'numeric' },
};
const LOCALE = { fr: 'fr-FR', en: 'en-US' } as const;
const langOf = (lang: string): 'fr' | 'en' => (lang === 'fr' ? 'fr' : 'en');

export function shortDate(iso: string | null | undefined, lang: string): string {
  if (!iso) return '';
  const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const l = langOf(lang);
  return d.toLocaleDateString(LOCALE[l], { ...DATE_FORMAT[l], ...(dayOnly ? { timeZone: 'UTC' } : {}) });
}

/** A moment: the day as `shortDate`, then the local time. */
export function dateTime(iso: string | null | undefined, lang: string): string {
  return iso ? `${shortDate(iso, lang)} ${hhmm(iso)}` : '';
}
