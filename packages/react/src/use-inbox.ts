import { createInbox, type Inbox, type InboxOptions } from "@edgeq/browser";
import type { MessageHandler } from "@edgeq/core";
import { useEffect, useRef, useState } from "react";
import { canUseOutbox } from "./environment.js";

/** Everything `createInbox` takes but the topic and the handler, which `useInbox` takes apart. */
export type UseInboxOptions = Omit<InboxOptions, "topic" | "handler">;

export interface InboxState {
  status: "unavailable" | "opening" | "ready" | "error";
  /** The open inbox (its stats, dead letters, redrive), while `ready`. */
  inbox: Inbox | undefined;
  error: unknown;
}

const SERVER: InboxState = Object.freeze({
  status: "unavailable",
  inbox: undefined,
  error: undefined,
});

/**
 * Consumes `topic` in this browser while the component is mounted: opens
 * the inbox (`createInbox`), hands each message to `handler` (the latest
 * one given: a new closure per render does not reopen), and closes it on
 * unmount. It reopens when the topic, url, group or database changes.
 * Nothing happens on the server.
 */
export function useInbox(
  topic: string,
  handler: MessageHandler,
  options: UseInboxOptions,
): InboxState {
  const latest = useRef({ handler, options });
  latest.current = { handler, options };
  const [state, setState] = useState<InboxState>(SERVER);
  const { url, group, databaseName } = options;
  // biome-ignore lint/correctness/useExhaustiveDependencies: it reopens only when what it consumes changes; the handler and the other options are read from `latest`
  useEffect(() => {
    if (!canUseOutbox()) return;
    let closed = false;
    setState({ status: "opening", inbox: undefined, error: undefined });
    const opening = createInbox({
      ...latest.current.options,
      topic,
      handler: (message, context) => latest.current.handler(message, context),
    });
    opening.then(
      (inbox) => {
        if (!closed) setState({ status: "ready", inbox, error: undefined });
      },
      (error: unknown) => {
        if (!closed) setState({ status: "error", inbox: undefined, error });
      },
    );
    return () => {
      closed = true;
      void opening.then((inbox) => inbox.close()).catch(() => undefined);
    };
  }, [topic, url, group, databaseName]);
  return state;
}
