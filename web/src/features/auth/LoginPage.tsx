import type { User } from '@korrigo/contracts';
import { type FormEvent, useState } from 'react';
import { api, ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { ErrorBox } from '../common/ui';
import { LangSwitch } from '../common/LangSwitch';

export function LoginPage({ onLogin }: { onLogin(u: User): void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await api.login(email, password));
    } catch (err) {
      // on this page a 401 can only mean the credentials: no "or your session has ended"
      setError(err instanceof ApiError && err.code === 'UNAUTHENTICATED' ? new Error(t('loginFailed')) : err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="narrow">
      <div className="corner">
        <LangSwitch />
      </div>
      <h1>{t('loginTitle')}</h1>
      <form onSubmit={submit} className="stack">
        <label>
          {t('email')}
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
        </label>
        <label>
          {t('password')}
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <ErrorBox error={error} />
        <button type="submit" className="primary" disabled={busy}>
          {t('login')}
        </button>
      </form>
    </main>
  );
}
