import type { Role } from '@korrigo/contracts';
import { type FormEvent, useState } from 'react';
import { api } from '../../api/client';
import { type Key, useI18n } from '../../i18n';
import { useAsync } from '../../lib/useAsync';
import { ErrorBox, Loading } from '../common/ui';

export function UsersPage() {
  const { t } = useI18n();
  const users = useAsync(() => api.listUsers(), []);
  const [roleFilter, setRoleFilter] = useState('');
  const [classFilter, setClassFilter] = useState('');
  const [search, setSearch] = useState('');
  const classes = [...new Set((users.data ?? []).map((u) => u.className).filter((c): c is string => !!c))].sort();
  // accent- and case-insensitive, word by word, like the roster search
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const words = fold(search).split(/\s+/).filter(Boolean);
  const shown = (users.data ?? []).filter(
    (u) =>
      (!roleFilter || u.role === roleFilter) &&
      (!classFilter || u.className === classFilter) &&
      words.every((w) => fold(`${u.displayName} ${u.email}`).includes(w)),
  );
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('TEACHER');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState('');

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setCreated('');
    try {
      await api.createUser({ email, displayName: name, role, password });
      setCreated(t('userCreated', { name, email }));
      setEmail('');
      setName('');
      setPassword('');
      users.reload();
    } catch (err) {
      setError(err);
    }
  }

  return (
    <>
      <h1>{t('users')}</h1>
      <form className="card stack" onSubmit={submit} aria-label={t('newUser')}>
        <h2>{t('newUser')}</h2>
        <div className="row">
        <label>
          {t('email')}
          <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required />
        </label>
        <label>
          {t('displayName')}
          <input value={name} onChange={(e) => setName(e.target.value)} required />
        </label>
        <label>
          {t('role')}
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {(['TEACHER', 'ADMIN', 'STUDENT'] as const).map((r) => (
              <option key={r} value={r}>
                {t(`role_${r}` as Key)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('password')}
          <input type="password" autoComplete="new-password" minLength={10} value={password} onChange={(e) => setPassword(e.target.value)} required aria-describedby="new-user-password-hint" />
        </label>
        <button type="submit" className="primary">
          {t('createUser')}
        </button>
        </div>
        <p className="muted" id="new-user-password-hint">
          {t('newUserHint')}
        </p>
        <ErrorBox error={error} />
        {created && (
          <p role="status" className="success">
            {created}
          </p>
        )}
      </form>
      {users.loading && !users.data && <Loading />}
      <ErrorBox error={users.error} onRetry={users.reload} />
      <div className="row" role="search">
        <label className="inline">
          {t('filterRole')}
          <select value={roleFilter} onChange={(e) => setRoleFilter(e.target.value)}>
            <option value="">{t('allRoles')}</option>
            {(['ADMIN', 'TEACHER', 'STUDENT'] as const).map((r) => (
              <option key={r} value={r}>
                {t(`role_${r}` as Key)}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          {t('filterClass')}
          <select value={classFilter} onChange={(e) => setClassFilter(e.target.value)}>
            <option value="">{t('allClasses')}</option>
            {classes.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          {t('searchByName')}
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
      </div>
      <table className="table">
        <thead>
          <tr>
            <th>{t('displayName')}</th>
            <th>{t('email')}</th>
            <th>{t('role')}</th>
            <th>{t('filterClass')}</th>
            <th>{t('active')}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((u) => (
            <tr key={u.id}>
              <td>{u.displayName}</td>
              <td>{u.email}</td>
              <td>{t(`role_${u.role}` as Key)}</td>
              <td>{u.className ?? ''}</td>
              <td>{u.isActive ? '✓' : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
