import { useCallback, useEffect, useState } from 'preact/hooks';

/** Loads with `load()` now and every `everyMs` (when given); `reload` runs it again at once. */
export function useLoad(load, deps, everyMs) {
  const [state, setState] = useState({ data: undefined, error: undefined, loading: true });
  const run = useCallback(() => {
    load().then(
      (data) => setState({ data, error: undefined, loading: false }),
      (error) => setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, deps);
  useEffect(() => {
    run();
    if (!everyMs) return undefined;
    const timer = setInterval(run, everyMs);
    return () => clearInterval(timer);
  }, [run]);
  return { ...state, reload: run };
}

/** Re-renders every `ms`, for clocks that tick (elapsed times). */
export function useNow(ms = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
