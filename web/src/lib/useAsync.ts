import { useCallback, useEffect, useRef, useState } from 'react';

/** Loads data for a screen; `reload` re-runs it. Errors are kept for display, never thrown away. */
export function useAsync<T>(fn: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const gen = useRef(0);
  const run = useCallback(() => {
    const g = ++gen.current;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => g === gen.current && setState({ data, error: null, loading: false }),
      (error: unknown) => g === gen.current && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, deps);
  useEffect(() => {
    run();
  }, [run]);
  return { ...state, reload: run, setData: (data: T) => setState((s) => ({ ...s, data })) };
}
