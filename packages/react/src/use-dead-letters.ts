import type { LocalDeadLetter, QueuedMessage } from "@edgeq/browser";
import { useMemo, useSyncExternalStore } from "react";
import { inspectorOf } from "./inspectors.js";
import { type OutboxHandle, useOutboxHandle } from "./use-outbox.js";

export interface DeadLetters {
  /** Oldest first, with the reason; empty while loading and on the server. */
  deadLetters: readonly LocalDeadLetter[];
  loading: boolean;
  /** Sends it again as a new message (its new id returned) and removes the dead letter. */
  retry(id: string): Promise<QueuedMessage>;
  /** Removes a dead letter the app has dealt with; false when there was none. */
  discard(id: string): Promise<boolean>;
}

const NONE: readonly LocalDeadLetter[] = Object.freeze([]);

/** The outbox's dead letters (refused by the broker, or expired), live, with retry and discard. */
export function useDeadLetters<T>(
  handle?: OutboxHandle<T>,
  options: { limit?: number } = {},
): DeadLetters {
  const { shared } = useOutboxHandle(handle);
  const limit = options.limit ?? 100;
  const store = useMemo(
    () => shared?.derive(`dead:${limit}`, (outbox) => outbox.deadLetters(limit)),
    [shared, limit],
  );
  const list = useSyncExternalStore(
    store?.subscribe ?? (() => () => undefined),
    () => store?.get(),
    () => undefined,
  );
  return useMemo(
    () => ({
      deadLetters: list ?? NONE,
      loading: list === undefined,
      retry: async (id) => {
        if (!shared) throw new Error("no outbox here (SSR)");
        const copy = await inspectorOf(await shared.ready()).retry(id);
        shared.changed();
        return copy;
      },
      discard: async (id) => {
        if (!shared) throw new Error("no outbox here (SSR)");
        const removed = await inspectorOf(await shared.ready()).discard(id);
        shared.changed();
        return removed;
      },
    }),
    [list, shared],
  );
}
