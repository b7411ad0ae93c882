export type { DeliveredMessage, LocalDeadLetter, QueuedMessage, SyncState } from "@edgeq/core";
export { createInbox, Inbox, type InboxOptions } from "./inbox/inbox.js";
export { createOutbox, Outbox, type OutboxWrite } from "./outbox/outbox.js";
export type {
  OutboxDatabaseOptions,
  OutboxEventMap,
  OutboxOptions,
  OutboxStats,
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
