import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Loads something from the API for a component: cancels what is no longer wanted (a changed filter aborts the old
 * request), shows the last answer for the same key at once while it refreshes (going back to a view is instant),
 * and can refresh on an interval, pausing while the tab is hidden.
 */

export interface Resource<T> {
  data: T | undefined;
  error: Error | undefined;
  /** True while a request for the current key is in flight (or about to be). */
  loading: boolean;
  /** The data shown belongs to an earlier key (kept while the new one loads, with `keepPrevious`). */
  stale: boolean;
  reload(): void;
}

export interface ResourceOptions {
  /** Refresh this often while the page is visible. */
  refreshMs?: number;
  /** Keep showing the previous key's data while the next loads (charts dim instead of flashing a skeleton). */
  keepPrevious?: boolean;
}

const MAX_CACHED = 200;
const cache = new Map<string, unknown>();
/** Requests started before any component asked (see `prefetch`), shared with the first component that does. */
const inflight = new Map<string, Promise<unknown>>();

/**
 * Starts loading `key` now, before the component that needs it renders (e.g. while the sign-in state is still being
 * asked for), so the two requests overlap instead of queueing. The first `useResource` with this key takes it over.
 */
export function prefetch(key: string, load: (signal: AbortSignal) => Promise<unknown>): void {
  if (cache.has(key) || inflight.has(key)) return;
  const promise = load(new AbortController().signal);
  inflight.set(key, promise);
  promise.then(
    (data) => remember(key, data),
    () => inflight.delete(key),
  );
  // Kept for a short while only: an answer nobody took over must not be served much later as fresh.
  setTimeout(() => inflight.delete(key), 10_000);
}

function remember(key: string, value: unknown): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
}

/** Forgets cached answers whose key starts with `prefix` (after a change that makes them wrong). */
export function invalidate(prefix = ''): void {
  for (const key of [...cache.keys()]) if (key.startsWith(prefix)) cache.delete(key);
}

interface State<T> {
  /** The key `data` answers. */
  dataKey: string | null;
  data: T | undefined;
  /** The key `error` is about. */
  errorKey: string | null;
  error: Error | undefined;
}

export function useResource<T>(
  key: string | null,
  load: (signal: AbortSignal) => Promise<T>,
  options: ResourceOptions = {},
): Resource<T> {
  const [state, setState] = useState<State<T>>(() => ({
    dataKey: key,
    data: key === null ? undefined : (cache.get(key) as T | undefined),
    errorKey: null,
    error: undefined,
  }));
  const [loadingKey, setLoadingKey] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` re-runs the load on demand (reload, refresh)
  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    setLoadingKey(key);
    const started = inflight.get(key) as Promise<T> | undefined;
    inflight.delete(key);
    (started ?? loadRef.current(controller.signal))
      .then((data) => {
        if (controller.signal.aborted) return;
        remember(key, data);
        setState({ dataKey: key, data, errorKey: null, error: undefined });
        setLoadingKey((current) => (current === key ? null : current));
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const failure = error instanceof Error ? error : new Error(String(error));
        setState((previous) => ({ ...previous, errorKey: key, error: failure }));
        setLoadingKey((current) => (current === key ? null : current));
      });
    return () => controller.abort();
  }, [key, generation]);

  const refreshMs = options.refreshMs;
  useEffect(() => {
    if (key === null || refreshMs === undefined) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      timer = setTimeout(() => {
        if (document.visibilityState === 'visible') setGeneration((g) => g + 1);
        schedule();
      }, refreshMs);
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') setGeneration((g) => g + 1);
    };
    schedule();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [key, refreshMs]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  // The answer for this very key: from state, or from the cache in this render (no skeleton flash on going back).
  const fresh = key === null ? undefined : state.dataKey === key ? state.data : (cache.get(key) as T | undefined);
  const error = key !== null && state.errorKey === key ? state.error : undefined;
  // An error for this key is shown instead of an older key's answer, which would pass for this one.
  const data = fresh ?? (options.keepPrevious && error === undefined ? state.data : undefined);
  return {
    data,
    error,
    loading: key !== null && (loadingKey === key || (fresh === undefined && error === undefined)),
    stale: fresh === undefined && data !== undefined,
    reload,
  };
}

/** The resource has this key's answer, or this key's error: nothing more will change until the next key. */
export function settled(resource: Resource<unknown>): boolean {
  return (resource.data !== undefined && !resource.stale) || resource.error !== undefined;
}
