import type { GroupSettings } from "../engine/group-settings.js";
import type {
  AppendRequest,
  DeadLetter,
  LeasedMessage,
  Message,
  ReadResult,
  SendResult,
  TopicStats,
  TransactionAction,
  TransactionChecker,
  TransactionInfo,
} from "../model.js";

/** Every call takes an optional signal; a transport rejects with an `EdgeqError` (or the signal's reason). */
export interface CallOptions {
  signal?: AbortSignal;
}

/** A read by offset of one queue. */
export interface ReadOptions extends CallOptions {
  from: number;
  limit?: number;
  /** Long-poll: wait up to this long for a message at `from`. Default 0. */
  waitMs?: number;
  /** Only messages carrying at least one of these tags. */
  tags?: string[];
}

/** A lease-mode receive across a topic's queues. */
export interface ReceiveOptions extends CallOptions {
  max?: number;
  visibilityMs?: number;
  waitMs?: number;
  /**
   * Only the group's retry queue (messages sent back or nacked), never new
   * messages from the log. Push consumers that read by offset use this to get
   * their retries.
   */
  retriesOnly?: boolean;
}

/** A consumer's send-back of a failed message. */
export interface SendBackOptions extends CallOptions {
  /** Default: the retry schedule's delay for the message's next reconsume. */
  delayMs?: number;
}

/** What a client needs to know of a topic to consume it. */
export interface TopicInfo {
  topic: string;
  queueCount: number;
}

/**
 * What clients need from a broker. `LocalTransport` calls an in-process
 * Broker; an HTTP transport speaks docs/protocol.md. Both must behave the same,
 * so the Producer and PushConsumer are written once over this.
 */
export interface Transport {
  /** The topic's queue count (what a consumer needs to read every queue); `not_found` for an unknown topic. */
  topicInfo(topic: string, options?: CallOptions): Promise<TopicInfo>;
  /** Appends a batch: one result per message, `stored` or `duplicate` (a (producerId, seq) already in the log). */
  send(topic: string, request: AppendRequest, options?: CallOptions): Promise<SendResult[]>;
  /** Messages of one queue from an offset, optionally long-polling for the next ones. */
  read(topic: string, queueId: number, options: ReadOptions): Promise<ReadResult>;
  /** The group's committed offset per queue id. */
  getOffsets(topic: string, group: string, options?: CallOptions): Promise<Record<string, number>>;
  /** Commits the group's offsets; they never move backwards unless `reset` is set. */
  commitOffsets(
    topic: string,
    group: string,
    offsets: Record<string, number>,
    options?: CallOptions & { reset?: boolean },
  ): Promise<void>;
  /** Lease mode: up to `max` messages, each invisible to the group until its lease expires. */
  receive(topic: string, group: string, options?: ReceiveOptions): Promise<LeasedMessage[]>;
  /**
   * Ack, nack and extend are all-or-nothing: an unknown receipt fails the call
   * with `not_found`, an expired or already-acked one with `conflict`, and the
   * error's `details.receipts` names them so the caller can resend the rest.
   */
  ack(topic: string, group: string, receipts: string[], options?: CallOptions): Promise<void>;
  /** Gives leased messages back for redelivery, after `delayMs` (default: the retry schedule). */
  nack(
    topic: string,
    group: string,
    receipts: string[],
    options?: CallOptions & { delayMs?: number },
  ): Promise<void>;
  /** Extends the leases of the receipts to `visibilityMs` from now. */
  extend(
    topic: string,
    group: string,
    receipts: string[],
    visibilityMs: number,
    options?: CallOptions,
  ): Promise<void>;
  /**
   * Consumer send-back (RocketMQ's `sendMessageBack`): hands a message the
   * group failed to the group's retry schedule, or to its dead-letter queue
   * past `maxReconsumeTimes`. Idempotent per (group, queue, offset).
   */
  sendBack(
    topic: string,
    group: string,
    message: Pick<Message, "queueId" | "offset">,
    options?: SendBackOptions,
  ): Promise<void>;
  /** One message by id (P3 in docs/architecture.md); `not_found` once retention removed it. */
  getMessage(topic: string, msgId: string, options?: CallOptions): Promise<Message>;
  /** The messages with this key, oldest first (P3 in docs/architecture.md). */
  queryByKey(
    topic: string,
    key: string,
    options?: CallOptions & { limit?: number },
  ): Promise<Message[]>;
  /** The group's dead-letter queue, with the reason each message is there. */
  listDeadLetters(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number },
  ): Promise<DeadLetter[]>;
  /** Sends dead letters back to the group (all, `limit` of them, or the `msgIds`); the number redriven. */
  redrive(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number; msgIds?: string[] },
  ): Promise<number>;
  /** The group's settings (ordered, flow, paused, retries; `{}`: defaults). */
  groupSettings(topic: string, group: string, options?: CallOptions): Promise<GroupSettings>;
  /** Replaces the group's settings (an admin call on the broker); answers them as stored. */
  setGroupSettings(
    topic: string,
    group: string,
    settings: GroupSettings,
    options?: CallOptions,
  ): Promise<GroupSettings>;
  /** Per-queue offsets and sizes, and per-group lag, in-flight, retrying and dead letters. */
  stats(topic: string, options?: CallOptions): Promise<TopicStats>;
  /** Commits or rolls back a transaction begun with a `transactional` send. */
  endTransaction(
    topic: string,
    txId: string,
    action: TransactionAction,
    options?: CallOptions,
  ): Promise<TransactionInfo>;
  /** Undecided transactions; `state: "unknown"` only those the broker is checking back. */
  listTransactions(
    topic: string,
    filter?: { producerId?: string; state?: "unknown" | "pending" },
    options?: CallOptions,
  ): Promise<TransactionInfo[]>;
  /**
   * In-process brokers call the producer back directly; transports without it
   * (HTTP, RPC) leave the producer to poll `listTransactions`.
   */
  onTransactionCheck?(producerId: string, checker: TransactionChecker): () => void;
}
