// The typed error every call rejects with, for an app's own `token()` to throw
// (`unauthorized` pauses syncing until `resumeAuth()`).

export type { TokenRequest, TokenSource } from "@edgeq/core";
// useOpenTelemetry is the core's own switch (one module state): called once, it covers the outbox, the inbox and the core clients.
export {
  EdgeqError,
  type EdgeqErrorCode,
  isEdgeqError,
  type OpenTelemetryApi,
  useOpenTelemetry,
} from "@edgeq/core";
export type {
  DeliveredMessage,
  ListOptions,
  LocalDeadLetter,
  MessageInfo,
  MessagePage,
  MessageState,
  QueuedMessage,
  SyncState,
} from "@edgeq/core/durable";
export { createInbox, Inbox, type InboxOptions } from "./inbox/inbox.js";
export { inspectOutbox, type OutboxInspector } from "./outbox/inspect-outbox.js";
export { createOutbox, Outbox, type OutboxWrite } from "./outbox/outbox.js";
export type {
  OutboxDatabaseOptions,
  OutboxEventMap,
  OutboxOptions,
  OutboxStats,
  StorageReport,
} from "./outbox/types.js";
export {
  type IdbDurability,
  IdbStore,
  type IdbStoreOptions,
  openIdbStore,
  type RecordStoreName,
  type Records,
  type RecordsDatabase,
  type RecordsObjectStore,
  type RecordsSchema,
} from "./store/idb-store.js";
export { handleBackgroundSync, registerBackgroundSync } from "./sw/background-sync.js";
export { flushOnWake } from "./sw/flush-on-wake.js";
