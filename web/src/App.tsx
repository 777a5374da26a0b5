import type { User } from '@korrigo/contracts';
import { useEffect, useMemo, useState } from 'react';
import { api, onAuthError } from './api/client';
import { useI18n } from './i18n';
import { Link, match, navigate, useLocation } from './lib/router';
import { ChangePasswordPage } from './features/auth/ChangePasswordPage';
import { LoginPage } from './features/auth/LoginPage';
import { type Session, SessionCtx, useSession as useContextSession } from './features/auth/session';
import { LangSwitch } from './features/common/LangSwitch';
import { ErrorBox, Loading } from './features/common/ui';
import { ExamPage } from './features/admin/ExamPage';
import { ExamsPage } from './features/admin/ExamsPage';
import { StudentsPage } from './features/admin/StudentsPage';
import { UsersPage } from './features/admin/UsersPage';
import { GradingDesk } from './features/grading/GradingDesk';
import { QueuePage } from './features/teacher/QueuePage';
import { ResultPage } from './features/student/ResultPage';
import { ResultsPage } from './features/student/ResultsPage';

const HOME: Record<User['role'], string> = { ADMIN: '/exams', TEACHER: '/queue', STUDENT: '/results' };

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [bootError, setBootError] = useState<unknown>(null);

  useEffect(() => {
    api.me().then(setUser, (err) => (err?.status === 401 ? setUser(null) : (setBootError(err), setUser(null))));
    return onAuthError((err) => {
      if (err.code === 'PASSWORD_CHANGE_REQUIRED') setUser((u) => (u ? { ...u, mustChangePassword: true } : u));
      else setUser(null);
    });
  }, []);

  const session = useMemo<Session | null>(
    () =>
      user
        ? {
            user,
            setUser,
            logout: async () => {
              await api.logout().catch(() => undefined);
              setUser(null);
              navigate('/login', { replace: true });
            },
          }
        : null,
    [user],
  );

  if (user === undefined) return <Loading />;
  if (!user || !session)
    return (
      <>
        <ErrorBox error={bootError} />
        <LoginPage
          onLogin={(u) => {
            setUser(u);
            const here = location.pathname;
            if (here === '/' || here === '/login') navigate(HOME[u.role], { replace: true });
          }}
        />
      </>
    );
  if (user.mustChangePassword)
    return (
      <ChangePasswordPage
        forced
        onDone={() => {
          setUser({ ...user, mustChangePassword: false });
          navigate(HOME[user.role], { replace: true });
        }}
      />
    );
  return (
    <SessionCtx.Provider value={session}>
      <Shell />
    </SessionCtx.Provider>
  );
}

function Shell() {
  const { t } = useI18n();
  const { path } = useLocation();
  const session = useContextSession();
  const { user } = session;
  const home = HOME[user.role];

  useEffect(() => {
    if (path === '/' || path === '/login') navigate(home, { replace: true });
  }, [path, home]);

  const nav: { to: string; label: string }[] =
    user.role === 'ADMIN'
      ? [
          { to: '/exams', label: t('navExams') },
          { to: '/students', label: t('navStudents') },
          { to: '/users', label: t('navUsers') },
        ]
      : user.role === 'TEACHER'
        ? [
            { to: '/queue', label: t('navQueue') },
            // a teacher may run tests of their own: they create them and see them here
            { to: '/exams', label: t('navMyExams') },
          ]
        : [{ to: '/results', label: t('navResults') }];

  const desk = match('/copies/:id/grade', path);
  return (
    <div className={desk ? 'app app-desk' : 'app'}>
      <header className="topnav">
        <Link to={home} className="brand">
          Korrigo
        </Link>
        <nav aria-label="main">
          {nav.map((n) => (
            <Link key={n.to} to={n.to} aria-current={path.startsWith(n.to) ? 'page' : undefined}>
              {n.label}
            </Link>
          ))}
        </nav>
        <span className="spacer" />
        <span className="muted">
          {user.displayName} · {t(`role_${user.role}`)}
        </span>
        <Link to="/account/password">{t('changePassword')}</Link>
        <LangSwitch />
        <button type="button" onClick={() => void session.logout()}>
          {t('logout')}
        </button>
      </header>
      {desk ? <GradingDesk key={desk.id} copyId={desk.id!} /> : <main className="page">{route(path, user)}</main>}
    </div>
  );
}

function route(path: string, user: User) {
  let m: Record<string, string> | null;
  const admin = user.role === 'ADMIN';
  if (path === '/account/password') return <ChangePasswordPage forced={false} onDone={() => navigate(HOME[user.role])} />;
  const staff = admin || user.role === 'TEACHER';
  if (staff && match('/exams', path)) return <ExamsPage />;
  if (staff && (m = match('/exams/:id/:tab?', path))) return <ExamPage key={m.id} examId={m.id!} tab={m.tab ?? 'scale'} />;
  if (admin && match('/students', path)) return <StudentsPage />;
  if (admin && match('/users', path)) return <UsersPage />;
  if (user.role !== 'STUDENT' && match('/queue', path)) return <QueuePage />;
  if (user.role === 'STUDENT' && match('/results', path)) return <ResultsPage />;
  if (user.role === 'STUDENT' && (m = match('/results/:id', path))) return <ResultPage key={m.id} copyId={m.id!} />;
  if (path === '/' || path === '/login') return null;
  return <NotFound />;
}

function NotFound() {
  const { t } = useI18n();
  return <p>{t('notFoundPage')}</p>;
}


