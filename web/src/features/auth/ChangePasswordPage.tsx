import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { ErrorBox } from '../common/ui';
import { LangSwitch } from '../common/LangSwitch';

/**
 * `forced`: the first login with a one-time password. No way out but choosing a password: the one-time password
 * no longer works once used, so logging out here would lock the student out until an admin gives a new one.
 */
export function ChangePasswordPage({ forced, onDone }: { forced: boolean; onDone(): void }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (next.length < 10) return setError(new Error(t('passwordTooShort')));
    if (next !== confirm) return setError(new Error(t('passwordsDiffer')));
    setBusy(true);
    setError(null);
    try {
      await api.changePassword(current, next);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="narrow">
      {forced && (
        <div className="corner">
          <LangSwitch />
        </div>
      )}
      <h1>{t('changePassword')}</h1>
      {forced && <p>{t('changePasswordIntro')}</p>}
      <form onSubmit={submit} className="stack">
        <label>
          {t('currentPassword')}
          <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required autoFocus />
        </label>
        <label>
          {t('newPassword')}
          <input type="password" autoComplete="new-password" minLength={10} value={next} onChange={(e) => setNext(e.target.value)} required />
        </label>
        <label>
          {t('confirmPassword')}
          <input type="password" autoComplete="new-password" minLength={10} value={confirm} onChange={(e) => setConfirm(e.target.value)} required />
        </label>
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {t('changePassword')}
        </button>
      </form>

    </main>
  );
}
