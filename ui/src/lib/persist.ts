// State that outlives a page: a value kept by key in the module (so it is
// there again when the page comes back), with the components showing it
// told of each change. Its setter works while no component shows it, so
// work that finishes after the user moved to another page (a sweep) still
// lands where the page will find it.

import { useEffect, useState } from "preact/hooks";

const values = new Map<string, unknown>();
const listeners = new Map<string, Set<(value: unknown) => void>>();

/** The value kept under `key`, or `initial` when none is. */
export function kept<T>(key: string, initial: T): T {
  return values.has(key) ? (values.get(key) as T) : initial;
}

/** Keeps `update` (a value, or a function of the kept one) under `key` and tells who shows it. */
export function keep<T>(key: string, initial: T, update: T | ((current: T) => T)): T {
  const next = typeof update === "function" ? (update as (current: T) => T)(kept(key, initial)) : update;
  values.set(key, next);
  for (const listener of listeners.get(key) ?? []) listener(next);
  return next;
}

/** Like `useState`, but kept under `key` while the app runs. */
export function usePersistent<T>(key: string, initial: T): [T, (update: T | ((current: T) => T)) => void] {
  const [value, setValue] = useState<T>(() => kept(key, initial));
  useEffect(() => {
    const listener = (next: unknown) => setValue(next as T);
    const set = listeners.get(key) ?? new Set();
    set.add(listener);
    listeners.set(key, set);
    setValue(kept(key, initial));
    return () => {
      set.delete(listener);
    };
  }, [key]);
  return [value, (update) => void keep(key, initial, update)];
}

/** Forgets every kept value: another project was opened, and pages start afresh. */
export function forgetAll(): void {
  values.clear();
}
