export { createInbox, Inbox, type InboxOptions } from "./inbox/inbox.js";
export {
  createOutbox,
  type FlushOptions,
  Outbox,
  type OutboxTransaction,
} from "./outbox/outbox.js";
export type {
  Delivered,
  OutboxDatabaseOptions,
  OutboxDeadLetter,
  OutboxEventMap,
  OutboxOptions,
  OutboxSendOptions,
  OutboxStats,
  SendReceipt,
  SyncState,
} from "./outbox/types.js";
export {
  type Durability,
  IdbStore,
  type IdbStoreOptions,
  openIdbStore,
} from "./store/idb-store.js";
export { handleBackgroundSync, registerBackgroundSync } from "./sw/background-sync.js";
