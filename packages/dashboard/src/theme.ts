import { useSyncExternalStore } from 'react';

/**
 * Light and dark themes. Without a choice the page follows the system (prefers-color-scheme, in CSS alone, so the
 * first paint is already right); a choice made with the toggle is remembered on this device. The preference is
 * the only thing the dashboard keeps in localStorage: never a token.
 */

export type ThemePreference = 'system' | 'light' | 'dark';
const STORAGE_KEY = 'sightline-theme';
const listeners = new Set<() => void>();

function read(): ThemePreference {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

let preference: ThemePreference = typeof window === 'undefined' ? 'system' : read();

function apply(): void {
  const root = document.documentElement;
  root.classList.toggle('theme-light', preference === 'light');
  root.classList.toggle('theme-dark', preference === 'dark');
}

export function initTheme(): void {
  apply();
  window.addEventListener('storage', (event) => {
    if (event.key !== STORAGE_KEY) return;
    preference = read();
    apply();
    for (const listener of listeners) listener();
  });
}

export function setTheme(next: ThemePreference): void {
  preference = next;
  try {
    if (next === 'system') window.localStorage.removeItem(STORAGE_KEY);
    else window.localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Storage can be disabled; the choice then lasts for this page only.
  }
  apply();
  for (const listener of listeners) listener();
}

/** The theme in effect: the choice, or the system's when there is none. */
export function effectiveTheme(): 'light' | 'dark' {
  if (preference !== 'system') return preference;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function useThemePreference(): ThemePreference {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => preference,
  );
}
