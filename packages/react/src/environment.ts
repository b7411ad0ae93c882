/**
 * Whether this is a browser that can hold an outbox. False on the server
 * (SSR) and in runtimes without IndexedDB: the hooks then open nothing and
 * report `unavailable`, and touch no other browser API.
 */
export function canUseOutbox(): boolean {
  return typeof window !== "undefined" && typeof indexedDB !== "undefined";
}
