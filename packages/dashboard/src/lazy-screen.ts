import { type ComponentType, createElement, lazy, useState } from 'react';

/**
 * A code-split component that can be fetched ahead of its first render. Once its module is in, it renders at once:
 * `React.lazy` alone suspends on every first render, even for a module that already arrived, and React then waits
 * up to 300 ms before revealing the content (its Suspense throttle), which a prefetch is meant to save.
 */
export function lazyScreen<P extends object>(
  load: () => Promise<{ default: ComponentType<P> }>,
): { Component: ComponentType<P>; preload: () => Promise<unknown> } {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<{ default: ComponentType<P> }> | undefined;
  const preload = () => {
    pending ??= load().then((module) => {
      loaded = module.default;
      return module;
    });
    return pending;
  };
  const Lazy = lazy(preload);
  // biome-ignore lint/correctness/noComponentHookFactories: made once per screen at module load, never per render
  const Component = (props: P) => {
    // Chosen once per mounted screen: switching from the lazy wrapper to the module later would remount the whole
    // screen and lose its state (open tabs, scroll position).
    const [type] = useState<ComponentType<P>>(() => loaded ?? Lazy);
    return createElement(type, props);
  };
  return { Component, preload };
}
