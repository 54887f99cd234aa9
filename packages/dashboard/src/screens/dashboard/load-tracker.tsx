import { createContext, type ReactNode, useContext, useEffect, useLayoutEffect, useRef } from 'react';

/**
 * Knows when every card of a dashboard has its data for the view in the URL, and marks that moment:
 * `performance.mark('sightline:dashboard-loaded')`, and `data-loaded="true"` with `data-view="<query string>"` on
 * the dashboard. Tests and curious operators read how long the full dashboard took to render (and which view is
 * complete); nothing in the product depends on it.
 */

interface Tracker {
  report(name: string, loaded: boolean): void;
  forget(name: string): void;
}

const LoadContext = createContext<Tracker | undefined>(undefined);

export function LoadTracker({ viewKey, children }: { viewKey: string; children: ReactNode }) {
  const root = useRef<HTMLDivElement>(null);
  const parts = useRef(new Map<string, boolean>());
  const marked = useRef<string | undefined>(undefined);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const currentView = useRef(viewKey);
  currentView.current = viewKey;

  const evaluate = () => {
    clearTimeout(pending.current);
    // Wait a frame's worth so cards that mount in the same commit have registered.
    pending.current = setTimeout(() => {
      const values = [...parts.current.values()];
      const done = values.length > 0 && values.every(Boolean);
      root.current?.setAttribute('data-loaded', String(done));
      if (done) root.current?.setAttribute('data-view', currentView.current);
      if (done && marked.current !== currentView.current) {
        marked.current = currentView.current;
        performance.mark('sightline:dashboard-loaded', { detail: { view: currentView.current } });
      }
    }, 16);
  };

  const tracker = useRef<Tracker>({
    report(name, loaded) {
      parts.current.set(name, loaded);
      evaluate();
    },
    forget(name) {
      parts.current.delete(name);
      evaluate();
    },
  });

  useEffect(() => () => clearTimeout(pending.current), []);
  // A new view is not loaded until its cards say so, even if they answer from the cache in a moment.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs exactly when the view changes
  useLayoutEffect(() => {
    root.current?.setAttribute('data-loaded', 'false');
    evaluate();
  }, [viewKey]);

  return (
    <LoadContext.Provider value={tracker.current}>
      <div ref={root} className="dashboard" data-loaded="false">
        {children}
      </div>
    </LoadContext.Provider>
  );
}

/** A card says whether its data is in (an error counts as settled: the card shows it). */
export function useReportLoaded(name: string, loaded: boolean): void {
  const tracker = useContext(LoadContext);
  useEffect(() => {
    tracker?.report(name, loaded);
  }, [tracker, name, loaded]);
  useEffect(() => () => tracker?.forget(name), [tracker, name]);
}
