import { useEffect, useState } from 'react';
import { navigate } from '../../router';

/**
 * The single-use token of a mail link (`?token=…`). It is read once into memory and removed from the address bar at
 * once, so it does not stay in the history, get bookmarked or leak through a Referer.
 */
export function useMailToken(): string | undefined {
  const [token] = useState(() => {
    const value = new URLSearchParams(window.location.search).get('token');
    return value && value.length <= 512 ? value : undefined;
  });
  useEffect(() => {
    const search = new URLSearchParams(window.location.search);
    if (!search.has('token')) return;
    search.delete('token');
    const rest = search.toString();
    navigate(`${window.location.pathname}${rest ? `?${rest}` : ''}`, { replace: true });
  }, []);
  return token;
}
