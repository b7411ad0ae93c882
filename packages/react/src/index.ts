// React bindings for @edgeq/browser: hooks over useSyncExternalStore, SSR-safe.
export type { OutboxState, OutboxStatus } from "./shared-outbox.js";
export { type DeadLetters, useDeadLetters } from "./use-dead-letters.js";
export { type InboxState, type UseInboxOptions, useInbox } from "./use-inbox.js";
export {
  type MessageProgress,
  type MessageStatus,
  useMessageStatus,
} from "./use-message-status.js";
export {
  type OutboxHandle,
  OutboxProvider,
  useOutbox,
  useOutboxHandle,
  useOutboxState,
} from "./use-outbox.js";
