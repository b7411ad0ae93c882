import {
  type DeadLetter,
  EdgeqError,
  type LeasedMessage,
  type Message,
  type NormalizedAppend,
  type QueueHandle,
  type QueueSnapshot,
  type ReadResult,
  type ReceiveParams,
  type SendResult,
  type TransactionAction,
  type TransactionInfo,
  type WaitOptions,
} from "@edgeq/core";
import type { QueueDO } from "./queue-do.js";
import { type Outcome, type QueueMethod, type QueueRef, queueObjectName } from "./queue-ref.js";

/**
 * The one RPC method of QueueDO, typed plainly: the stub's generated RPC type
 * of a generic method is too deep for TypeScript to instantiate.
 */
interface QueueRpc {
  invoke(ref: QueueRef, method: QueueMethod, args: unknown[]): Promise<Outcome<unknown>>;
}

/** A QueueHandle whose queue lives in a QueueDO: what the Worker's TopicRouter routes to. */
export class DurableQueue implements QueueHandle {
  private readonly stub: QueueRpc;

  constructor(
    namespace: DurableObjectNamespace<QueueDO>,
    private readonly ref: QueueRef,
  ) {
    this.stub = namespace.get(namespace.idFromName(queueObjectName(ref))) as unknown as QueueRpc;
  }

  get queueId(): number {
    return this.ref.queueId;
  }

  private async call<M extends QueueMethod>(
    method: M,
    ...args: Parameters<QueueHandle[M]>
  ): Promise<Awaited<ReturnType<QueueHandle[M]>>> {
    const outcome = (await this.stub.invoke(this.ref, method, args)) as Outcome<
      Awaited<ReturnType<QueueHandle[M]>>
    >;
    if (!outcome.ok)
      throw new EdgeqError(
        outcome.error.code,
        outcome.error.message,
        outcome.error.details ? { details: outcome.error.details } : {},
      );
    return outcome.value;
  }

  append(batch: NormalizedAppend): Promise<SendResult[]> {
    return this.call("append", batch);
  }
  read(
    from: number,
    limit: number,
    tags: string[] | undefined,
    wait: WaitOptions,
  ): Promise<ReadResult> {
    // A signal cannot cross RPC; the wait is bounded by waitMs on the other side.
    return this.call("read", from, limit, tags, { waitMs: wait.waitMs ?? 0 });
  }
  committedOffset(group: string): Promise<number | undefined> {
    return this.call("committedOffset", group);
  }
  commitOffset(group: string, offset: number, reset: boolean): Promise<number> {
    return this.call("commitOffset", group, offset, reset);
  }
  receive(group: string, params: ReceiveParams, wait: WaitOptions): Promise<LeasedMessage[]> {
    return this.call("receive", group, params, { waitMs: wait.waitMs ?? 0 });
  }
  ack(group: string, receipts: string[]): Promise<void> {
    return this.call("ack", group, receipts);
  }
  nack(group: string, receipts: string[], delayMs?: number): Promise<void> {
    return this.call("nack", group, receipts, delayMs);
  }
  extend(group: string, receipts: string[], visibilityMs: number): Promise<void> {
    return this.call("extend", group, receipts, visibilityMs);
  }
  sendBack(group: string, offset: number, delayMs?: number): Promise<void> {
    return this.call("sendBack", group, offset, delayMs);
  }
  listDeadLetters(group: string, limit: number): Promise<DeadLetter[]> {
    return this.call("listDeadLetters", group, limit);
  }
  redrive(group: string, limit: number, msgIds?: string[]): Promise<number> {
    return this.call("redrive", group, limit, msgIds);
  }
  getMessage(msgId: string): Promise<Message> {
    return this.call("getMessage", msgId);
  }
  queryByKey(key: string, limit: number, from?: number, to?: number): Promise<Message[]> {
    return this.call("queryByKey", key, limit, from, to);
  }
  snapshot(): Promise<QueueSnapshot> {
    return this.call("snapshot");
  }
  appendHalf(txId: string, batch: NormalizedAppend): Promise<SendResult[]> {
    return this.call("appendHalf", txId, batch);
  }
  decideTransaction(
    txId: string,
    action: TransactionAction,
    by: "producer" | "check",
  ): Promise<TransactionInfo> {
    return this.call("decideTransaction", txId, action, by);
  }
  listTransactions(filter: {
    producerId?: string;
    checkedOnly?: boolean;
  }): Promise<TransactionInfo[]> {
    return this.call("listTransactions", filter);
  }
  takeDueChecks(): Promise<TransactionInfo[]> {
    return this.call("takeDueChecks");
  }
}
