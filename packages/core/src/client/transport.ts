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
 * Broker; an HTTP transport speaks PROTOCOL.md. Both must behave the same,
 * so the Producer and PushConsumer are written once over this.
 */
export interface Transport {
  topicInfo(topic: string, options?: CallOptions): Promise<TopicInfo>;
  send(topic: string, request: AppendRequest, options?: CallOptions): Promise<SendResult[]>;
  read(topic: string, queueId: number, options: ReadOptions): Promise<ReadResult>;
  getOffsets(topic: string, group: string, options?: CallOptions): Promise<Record<string, number>>;
  commitOffsets(
    topic: string,
    group: string,
    offsets: Record<string, number>,
    options?: CallOptions & { reset?: boolean },
  ): Promise<void>;
  receive(topic: string, group: string, options?: ReceiveOptions): Promise<LeasedMessage[]>;
  /**
   * Ack, nack and extend are all-or-nothing: an unknown receipt fails the call
   * with `not_found`, an expired or already-acked one with `conflict`, and the
   * error's `details.receipts` names them so the caller can resend the rest.
   */
  ack(topic: string, group: string, receipts: string[], options?: CallOptions): Promise<void>;
  nack(
    topic: string,
    group: string,
    receipts: string[],
    options?: CallOptions & { delayMs?: number },
  ): Promise<void>;
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
  getMessage(topic: string, msgId: string, options?: CallOptions): Promise<Message>;
  queryByKey(
    topic: string,
    key: string,
    options?: CallOptions & { limit?: number },
  ): Promise<Message[]>;
  listDeadLetters(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number },
  ): Promise<DeadLetter[]>;
  redrive(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number; msgIds?: string[] },
  ): Promise<number>;
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
