import { type FormEvent, useCallback, useRef, useState } from 'react';

/**
 * A form submission or button action: one at a time, with its busy flag and the error to show next to it.
 * The error is whatever the API said to fix (ApiError messages are written for people).
 */
export function useAction<A extends unknown[]>(
  action: (...args: A) => Promise<unknown>,
): {
  busy: boolean;
  error: unknown;
  run: (...args: A) => Promise<boolean>;
  onSubmit: (event: FormEvent) => void;
  clearError: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const running = useRef(false);
  const actionRef = useRef(action);
  actionRef.current = action;

  const run = useCallback(async (...args: A) => {
    if (running.current) return false;
    running.current = true;
    setBusy(true);
    setError(undefined);
    try {
      await actionRef.current(...args);
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);

  const onSubmit = useCallback(
    (event: FormEvent) => {
      event.preventDefault();
      void run(...([] as unknown as A));
    },
    [run],
  );

  return { busy, error, run, onSubmit, clearError: () => setError(undefined) };
}
