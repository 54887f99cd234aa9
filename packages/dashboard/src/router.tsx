import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from 'react';

/**
 * A small history router: the URL is the state (a dashboard view can be shared by copying it), links are real
 * anchors (open in a new tab works), and in-app clicks navigate without a reload.
 */

const listeners = new Set<() => void>();

function emit(): void {
  for (const listener of listeners) listener();
}

if (typeof window !== 'undefined') window.addEventListener('popstate', emit);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const getHref = () => window.location.pathname + window.location.search;

export interface Location {
  pathname: string;
  search: URLSearchParams;
  /** pathname + search, as it is in the address bar. */
  href: string;
}

let cached: Location | undefined;
function snapshot(): Location {
  const href = getHref();
  if (cached?.href !== href)
    cached = { pathname: window.location.pathname, search: new URLSearchParams(window.location.search), href };
  return cached;
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, snapshot);
}

export function navigate(to: string, options: { replace?: boolean; keepScroll?: boolean } = {}): void {
  if (to === getHref()) return;
  const samePath = new URL(to, window.location.origin).pathname === window.location.pathname;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  if (!samePath && !options.keepScroll) window.scrollTo(0, 0);
  emit();
}

/** Changes query parameters of the current URL (undefined removes one), keeping the path. */
export function updateSearch(
  changes: Record<string, string | string[] | undefined>,
  options: { replace?: boolean } = {},
): void {
  navigate(withSearch(window.location.pathname, new URLSearchParams(window.location.search), changes), {
    ...options,
    keepScroll: true,
  });
}

export function withSearch(
  pathname: string,
  current: URLSearchParams,
  changes: Record<string, string | string[] | undefined>,
): string {
  const next = new URLSearchParams(current);
  for (const [key, value] of Object.entries(changes)) {
    next.delete(key);
    if (Array.isArray(value)) for (const item of value) next.append(key, item);
    else if (value !== undefined) next.set(key, value);
  }
  const text = next.toString();
  return text === '' ? pathname : `${pathname}?${text}`;
}

function isPlainLeftClick(event: MouseEvent<HTMLAnchorElement>): boolean {
  return (
    event.button === 0 &&
    !event.metaKey &&
    !event.ctrlKey &&
    !event.shiftKey &&
    !event.altKey &&
    !event.defaultPrevented &&
    (event.currentTarget.target === '' || event.currentTarget.target === '_self')
  );
}

export interface LinkProps extends AnchorHTMLAttributes<HTMLAnchorElement> {
  to: string;
  replace?: boolean;
}

export function Link({ to, replace, onClick, children, ...rest }: LinkProps) {
  return (
    <a
      {...rest}
      href={to}
      onClick={(event) => {
        onClick?.(event);
        if (!isPlainLeftClick(event)) return;
        event.preventDefault();
        navigate(to, { replace: replace ?? false });
      }}
    >
      {children}
    </a>
  );
}

/** Matches `/sites/:id/settings/:tab` style patterns; returns decoded params or null. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const patternParts = pattern.split('/').filter(Boolean);
  const pathParts = pathname.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  const optionalTail = patternParts.at(-1)?.endsWith('?') ?? false;
  const required = optionalTail ? patternParts.length - 1 : patternParts.length;
  if (pathParts.length < required || pathParts.length > patternParts.length) return null;
  for (let i = 0; i < patternParts.length; i++) {
    const part = patternParts[i]!;
    const value = pathParts[i];
    if (part.startsWith(':')) {
      if (value === undefined) continue;
      try {
        params[part.slice(1).replace(/\?$/, '')] = decodeURIComponent(value);
      } catch {
        return null;
      }
    } else if (part !== value) {
      return null;
    }
  }
  return params;
}

/** A path back to where the user was, only ever on this origin (no open redirect through `?next=`). */
export function safeNext(value: string | null): string {
  if (value === null || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return value;
}
