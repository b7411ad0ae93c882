import type {
  DeadLetter,
  GroupQueueStats,
  LeasedMessage,
  Message,
  QueueStats,
  ReadResult,
  SendResult,
  TransactionAction,
  TransactionInfo,
} from "../model.js";
import type { QueueEngine, ReceiveParams } from "./queue-engine.js";
import type { NormalizedAppend } from "./validate.js";

export interface QueueSnapshot {
  queue: QueueStats;
  groups: Record<string, GroupQueueStats>;
}

export interface WaitOptions {
  /** Long-poll: wait up to this long for something to arrive. Default 0. */
  waitMs?: number;
  signal?: AbortSignal;
}

/**
 * One topic queue as the topic router sees it: in process (`LocalQueue`) or
 * in a Durable Object (the worker's stub). Everything is async, so the
 * routing logic is written once for both.
 */
export interface QueueHandle {
  readonly queueId: number;
  append(batch: NormalizedAppend): Promise<SendResult[]>;
  read(
    from: number,
    limit: number,
    tags: string[] | undefined,
    wait: WaitOptions,
  ): Promise<ReadResult>;
  committedOffset(group: string): Promise<number | undefined>;
  commitOffset(group: string, offset: number, reset: boolean): Promise<number>;
  receive(group: string, params: ReceiveParams, wait: WaitOptions): Promise<LeasedMessage[]>;
  ack(group: string, receipts: string[]): Promise<void>;
  nack(group: string, receipts: string[], delayMs?: number): Promise<void>;
  extend(group: string, receipts: string[], visibilityMs: number): Promise<void>;
  sendBack(group: string, offset: number, delayMs?: number): Promise<void>;
  listDeadLetters(group: string, limit: number): Promise<DeadLetter[]>;
  redrive(group: string, limit: number, msgIds?: string[]): Promise<number>;
  getMessage(msgId: string): Promise<Message>;
  queryByKey(key: string, limit: number, from?: number, to?: number): Promise<Message[]>;
  snapshot(): Promise<QueueSnapshot>;
  appendHalf(txId: string, batch: NormalizedAppend): Promise<SendResult[]>;
  decideTransaction(
    txId: string,
    action: TransactionAction,
    by: "producer" | "check",
  ): Promise<TransactionInfo>;
  listTransactions(filter: {
    producerId?: string;
    checkedOnly?: boolean;
  }): Promise<TransactionInfo[]>;
  /** Check-backs due at the last tick, each handed out once. */
  takeDueChecks(): Promise<TransactionInfo[]>;
}

/** A QueueHandle over an engine in this process; long-polls wait on the engine's own change signal. */
export class LocalQueue implements QueueHandle {
  constructor(readonly engine: QueueEngine) {}

  get queueId(): number {
    return this.engine.queueId;
  }

  append(batch: NormalizedAppend): Promise<SendResult[]> {
    return this.engine.append(batch);
  }

  appendHalf(txId: string, batch: NormalizedAppend): Promise<SendResult[]> {
    return this.engine.appendHalf(txId, batch);
  }

  decideTransaction(
    txId: string,
    action: TransactionAction,
    by: "producer" | "check",
  ): Promise<TransactionInfo> {
    return this.engine.decideTransaction(txId, action, by);
  }

  async listTransactions(filter: {
    producerId?: string;
    checkedOnly?: boolean;
  }): Promise<TransactionInfo[]> {
    return this.engine.listTransactions(filter);
  }

  async takeDueChecks(): Promise<TransactionInfo[]> {
    return this.engine.takeDueChecks();
  }

  async read(
    from: number,
    limit: number,
    tags: string[] | undefined,
    wait: WaitOptions,
  ): Promise<ReadResult> {
    let result = await this.engine.read(from, limit, tags);
    const deadline = Date.now() + (wait.waitMs ?? 0);
    // Empty because nothing is there yet (not because a tag filter skipped everything): wait for an append.
    while (
      result.messages.length === 0 &&
      result.nextOffset === result.headOffset &&
      Date.now() < deadline
    ) {
      if (wait.signal?.aborted) break;
      await this.engine.waitForAppend(result.nextOffset, deadline - Date.now(), wait.signal);
      result = await this.engine.read(result.nextOffset, limit, tags);
    }
    return result;
  }

  async committedOffset(group: string): Promise<number | undefined> {
    return this.engine.committedOffset(group);
  }

  commitOffset(group: string, offset: number, reset: boolean): Promise<number> {
    return this.engine.commitOffset(group, offset, reset);
  }

  async receive(group: string, params: ReceiveParams, wait: WaitOptions): Promise<LeasedMessage[]> {
    const deadline = Date.now() + (wait.waitMs ?? 0);
    for (;;) {
      const got = await this.engine.receive(group, params);
      const left = deadline - Date.now();
      if (got.length > 0 || left <= 0 || wait.signal?.aborted) return got;
      await this.engine.waitForReceivable(left, wait.signal);
    }
  }

  ack(group: string, receipts: string[]): Promise<void> {
    return this.engine.ack(group, receipts);
  }

  nack(group: string, receipts: string[], delayMs?: number): Promise<void> {
    return this.engine.nack(group, receipts, delayMs);
  }

  extend(group: string, receipts: string[], visibilityMs: number): Promise<void> {
    return this.engine.extend(group, receipts, visibilityMs);
  }

  sendBack(group: string, offset: number, delayMs?: number): Promise<void> {
    return this.engine.sendBack(group, offset, delayMs);
  }

  listDeadLetters(group: string, limit: number): Promise<DeadLetter[]> {
    return this.engine.listDeadLetters(group, limit);
  }

  redrive(group: string, limit: number, msgIds?: string[]): Promise<number> {
    return this.engine.redrive(group, limit, msgIds);
  }

  getMessage(msgId: string): Promise<Message> {
    return this.engine.getMessage(msgId);
  }

  queryByKey(key: string, limit: number, from?: number, to?: number): Promise<Message[]> {
    return this.engine.queryByKey(key, limit, from, to);
  }

  async snapshot(): Promise<QueueSnapshot> {
    return this.engine.snapshot();
  }
}
