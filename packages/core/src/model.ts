/** Any value JSON can carry. Message bodies are these, or raw bytes. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A message body: a JSON value, or bytes (sent as base64 on the wire). */
export type MessageBody = JsonValue | Uint8Array;

/**
 * `T` where every value in it is JSON or bytes. An app's `interface` types
 * have no index signature, so they are not `JsonValue`s; a parameter typed
 * `T & Jsonable<T>` takes them and still refuses functions, Dates, Maps and
 * `undefined` values.
 */
export type Jsonable<T> = T extends string | number | boolean | null | Uint8Array
  ? T
  : T extends readonly (infer U)[]
    ? readonly Jsonable<U>[]
    : T extends (...args: never[]) => unknown
      ? never
      : T extends object
        ? { [K in keyof T]: Jsonable<T[K]> }
        : never;

/** A message as consumers see it. */
export interface Message {
  /** Stable and unique; the same across redeliveries and retries, so handlers can dedup on it. */
  msgId: string;
  topic: string;
  queueId: number;
  /** Dense, per topic queue. */
  offset: number;
  body: MessageBody;
  key?: string;
  tags: string[];
  headers: Record<string, string>;
  /** When the broker accepted the message (ms since the epoch). */
  producedAt: number;
  producerId?: string;
  seq?: number;
  /** How many times this message failed for the consumer group it is delivered to. */
  reconsumeTimes: number;
  /** Set on delayed messages: when the message became visible. */
  deliverAt?: number;
  /** Set when the producer gave one: never delivered after this time (ms since the epoch). */
  expiresAt?: number;
}

/** What a producer hands over. */
export interface OutgoingMessage {
  body: MessageBody;
  /** Same key, same queue, in order. */
  key?: string;
  tags?: string[];
  headers?: Record<string, string>;
  /** Per-producer sequence number: the broker stores each (producerId, seq) once. */
  seq?: number;
  /** Invisible until this many ms from now. */
  delayMs?: number;
  /** Invisible until this time (ms since the epoch). */
  deliverAt?: number;
  /**
   * Never delivered after this time (ms since the epoch): a lease-mode group
   * dead-letters it with reason `expired`, a read by offset leaves it out.
   */
  expiresAt?: number;
}

/** One send: a batch of messages, from one producer when `producerId` is set. */
export interface AppendRequest {
  producerId?: string;
  messages: OutgoingMessage[];
  /** Half messages: stored, invisible until the transaction commits (needs a producerId). */
  transactional?: boolean;
}

/** `stored` now, or `duplicate`: a retry of a send the broker already stored. */
export type SendStatus = "stored" | "duplicate";

/** Per-message outcome of an append: stored now, or recognised as a retry of an earlier send. */
export interface SendResult {
  status: SendStatus;
  seq?: number;
  /** For `duplicate`, the original's. Absent only when the original aged out of the producer window. */
  msgId?: string;
  queueId: number;
  /** Absent while a delayed message waits: offsets are assigned when it becomes visible. */
  offset?: number;
  /** Set for delayed messages. */
  deliverAt?: number;
  /** Set for half messages (a transactional send): the transaction they belong to. */
  txId?: string;
}

/** A producer's decision on a transaction. */
export type TransactionAction = "commit" | "rollback";
/** What a producer's check says about its local transaction; `unknown` asks again later. */
export type TransactionCheckResult = TransactionAction | "unknown";

/** A producer's answer to "did your local transaction happen?" (RocketMQ's `checkLocalTransaction`). */
export type TransactionChecker = (
  transaction: TransactionInfo,
) => TransactionCheckResult | Promise<TransactionCheckResult>;

/** A message of a transaction not yet committed: it has no place in the log yet. */
export type HalfMessage = Pick<Message, "body" | "tags" | "headers" | "key" | "seq" | "queueId">;

/** A transaction as the broker sees it (listing, check-back). */
export interface TransactionInfo {
  txId: string;
  producerId: string;
  state: "pending" | "committed" | "rolled_back";
  createdAt: number;
  /** Check-backs asked so far. */
  checks: number;
  /** The half messages (on this queue, or on all of the transaction's queues in a topic listing). */
  messages: HalfMessage[];
  decidedBy?: "producer" | "check" | "max_checks";
  /** After a commit: where each message went. */
  results?: SendResult[];
}

/** A message handed out in lease mode. */
export interface LeasedMessage extends Message {
  /** Opaque handle for ack, nack and extend; valid until the lease expires. */
  receipt: string;
  /** 1 on the first delivery to this group, counting every redelivery after. */
  deliveryCount: number;
}

/** What a pull read answers. */
export interface ReadResult {
  messages: Message[];
  /** Where the next read continues (past any messages the tag filter skipped). */
  nextOffset: number;
  /** The offset the next appended message will get. */
  headOffset: number;
  /** The lowest offset still retained. */
  minOffset: number;
}

/** A message in a group's dead-letter queue. */
export interface DeadLetter {
  message: Message;
  /** When the message was moved to the dead-letter queue. */
  deadAt: number;
  /** `max_reconsume_times`: it failed too often; `expired`: its `expiresAt` passed before a delivery. */
  reason: "max_reconsume_times" | "expired";
}

/** One queue's retained log and pending work. */
export interface QueueStats {
  queueId: number;
  minOffset: number;
  headOffset: number;
  /** Delayed messages not yet visible. */
  scheduled: number;
  bytes: number;
  /** Transactions begun and not yet decided (their half messages are invisible). */
  pendingTransactions: number;
  /** A replicated queue's primary, replicas and last promotion (edge broker, topic setting `replication`). */
  replication?: QueueReplicationStats;
  /** Running totals since the queue was created (the `edgeq_*_total` metrics). */
  totals?: QueueTotals;
}

/** A queue's running totals: they only grow, and survive restarts. */
export interface QueueTotals {
  /** Messages stored (delayed and committed transactional ones included). */
  produced: number;
  /** Messages refused as a producer's retry of a seq already stored. */
  duplicates: number;
}

/** A group's running totals on one queue (lease mode: receive, ack, nack). */
export interface GroupTotals {
  /** Leases handed out, first deliveries and redeliveries. */
  delivered: number;
  /** Leases of a message delivered before (a retry, or a lease that ran out). */
  redelivered: number;
  acked: number;
  /** Messages moved to the dead letters, by `DeadLetter.reason`. */
  deadLettered: Partial<Record<DeadLetter["reason"], number>>;
}

/** One group's progress on one queue. */
export interface GroupQueueStats {
  queueId: number;
  committedOffset: number;
  lag: number;
  inFlight: number;
  retrying: number;
  deadLetters: number;
  /** Held back by their key's order or flow limit (only for groups with `ordered` or `flow`). */
  waiting?: number;
  /** The group is paused (`GroupSettings.paused`). */
  paused?: true;
  /** Running totals of the group on this queue; absent on a queue the group never touched. */
  totals?: GroupTotals;
}

/** One group's progress on a topic: summed over its queues, and per queue. */
export interface GroupStats {
  committedOffsets: Record<string, number>;
  lag: number;
  inFlight: number;
  retrying: number;
  deadLetters: number;
  /** As in `GroupQueueStats`, summed. */
  waiting?: number;
  paused?: true;
  queues: GroupQueueStats[];
}

/** A topic's queues and every group's progress on them. */
export interface TopicStats {
  topic: string;
  queues: QueueStats[];
  groups: Record<string, GroupStats>;
}

/** How each replica is doing, as the primary sees it. */
export type ReplicaState = "in_sync" | "lagging" | "catching_up";

/** One replica in the primary's stats. */
export interface ReplicaStatus {
  replica: number;
  state: ReplicaState;
  /** The last batch it acknowledged. */
  acked: number;
  /** Batches written by the primary that it has not acknowledged. */
  lagBatches: number;
  /** How long ago the oldest batch it lacks was written (0 when it lacks none). */
  lagMs: number;
  /** Why it is lagging, when it is. */
  lastError?: string;
}

/** A replicated queue in stats: which member is primary, each replica by name, the last promotion. */
export interface QueueReplicationStats {
  /** The member that takes writes: `primary` (the queue's own object) or a replica's name (`r0`…). */
  primary: string;
  term: number;
  /** Batches the primary has written. */
  seq: number;
  replicas: Array<Omit<ReplicaStatus, "replica"> & { replica: string }>;
  lastPromotion?: { replica: string; term: number; at: number };
}
