import { useI18n } from '../../i18n';

export function LangSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang">
      <span className="sr-only">{t('language')}</span>
      <select aria-label={t('language')} value={lang} onChange={(e) => setLang(e.target.value as 'fr' | 'en')}>
        <option value="fr">Français</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}
