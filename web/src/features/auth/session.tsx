import type { User } from '@korrigo/contracts';
import { createContext, useContext } from 'react';

export interface Session {
  user: User;
  setUser(u: User | null): void;
  logout(): Promise<void>;
}
export const SessionCtx = createContext<Session | null>(null);
export function useSession(): Session {
  const s = useContext(SessionCtx);
  if (!s) throw new Error('useSession outside provider');
  return s;
}
