import type { MessageInfo } from "@edgeq/browser";
import type { ErrorSummary } from "@edgeq/core/durable";
import { useMemo, useSyncExternalStore } from "react";
import { inspectorOf } from "./inspectors.js";
import { type OutboxHandle, useOutboxHandle } from "./use-outbox.js";

/**
 * Where one message is, in the words an app shows people:
 * - `saved`: durable on this device, not sent yet;
 * - `sent`: on the wire now, waiting for the broker's answer (seen by the syncing tab);
 * - `server`: in the broker's log;
 * - `refused`: refused for good (or expired), kept as a dead letter with `reason`;
 * - `forgotten`: handled long ago, details no longer kept: acknowledged beyond the
 *   answers the outbox keeps, or a refused one that was discarded or retried (an app
 *   that lets people discard keeps that fact itself, as examples/react-orders does);
 * - `unknown`: this outbox never handed out that id;
 * - `loading`: not read yet; `unavailable`: on the server.
 */
export type MessageProgress =
  | "unavailable"
  | "loading"
  | "saved"
  | "sent"
  | "server"
  | "refused"
  | "forgotten"
  | "unknown";

export interface MessageStatus {
  progress: MessageProgress;
  /** Why it was refused (`refused`). */
  reason?: ErrorSummary;
  /** Everything the outbox knows of it (the broker's answer, the body while pending). */
  info?: MessageInfo;
}

const UNAVAILABLE: MessageStatus = Object.freeze({ progress: "unavailable" });
const LOADING: MessageStatus = Object.freeze({ progress: "loading" });

function progressOf(info: MessageInfo): MessageStatus {
  switch (info.state) {
    case "pending":
      return { progress: "saved", info };
    case "inFlight":
      return { progress: "sent", info };
    case "acknowledged":
      return { progress: "server", info };
    case "forgotten":
      return { progress: "forgotten", info };
    case "deadLetter":
      return { progress: "refused", info, ...(info.reason ? { reason: info.reason } : {}) };
    default:
      return { progress: "unknown", info };
  }
}

/** Whether two statuses would render the same: then the old snapshot stays (no re-render). */
function same(a: MessageStatus | undefined, b: MessageStatus): boolean {
  return (
    a !== undefined &&
    a.progress === b.progress &&
    a.reason?.at === b.reason?.at &&
    a.info?.answer?.offset === b.info?.answer?.offset
  );
}

/**
 * The live status of the message `send` returned `id` for: saved → sent →
 * on the server, or refused with the reason; reread on every change of
 * the outbox, in this tab or another. `undefined` id: `unknown`.
 */
export function useMessageStatus<T>(
  id: string | undefined,
  handle?: OutboxHandle<T>,
): MessageStatus {
  const { shared } = useOutboxHandle(handle);
  const store = useMemo(() => {
    if (!shared || id === undefined) return undefined;
    let last: MessageStatus | undefined;
    return shared.derive(`status:${id}`, async (outbox) => {
      const next = progressOf(await inspectorOf(outbox).status(id));
      if (!same(last, next)) last = next;
      return last as MessageStatus;
    });
  }, [shared, id]);
  return useSyncExternalStore(
    store?.subscribe ?? noSubscription,
    () => (store ? (store.get() ?? LOADING) : shared ? UNKNOWN : UNAVAILABLE),
    () => UNAVAILABLE,
  );
}

const UNKNOWN: MessageStatus = Object.freeze({ progress: "unknown" });
const noSubscription = () => () => undefined;
