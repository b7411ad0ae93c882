import type {
  DeadLetter,
  LeasedMessage,
  Message,
  NormalizedAppend,
  ProducerScope,
  QueueHandle,
  QueueSnapshot,
  ReadResult,
  ReceiveParams,
  SendResult,
  TransactionAction,
  TransactionFilter,
  TransactionInfo,
  WaitOptions,
} from "@edgeq/core";
import { type Outcome, unwrap } from "../rpc/outcome.js";
import { type QueueRef, queueObjectName, type RpcWait } from "./queue-ref.js";

/**
 * QueueDO's RPC methods as the class declares them, taken from the binding's
 * type (`Env`) rather than by importing the class, which imports this module's
 * importers. The stub's generated RPC types of these results are too deep for
 * TypeScript to instantiate, so the stub is used through this plain type.
 */
type QueueRpc = Env["QUEUE"] extends DurableObjectNamespace<infer Q> ? Q : never;

/** A QueueHandle whose queue lives in a QueueDO: what the Worker's TopicRouter routes to. */
export class DurableQueue implements QueueHandle {
  private readonly stub: QueueRpc;

  constructor(
    namespace: Env["QUEUE"],
    private readonly ref: QueueRef,
  ) {
    this.stub = namespace.get(namespace.idFromName(queueObjectName(ref))) as unknown as QueueRpc;
  }

  get queueId(): number {
    return this.ref.queueId;
  }

  append(batch: NormalizedAppend): Promise<SendResult[]> {
    return this.call((q) => q.append(this.ref, batch));
  }
  read(
    from: number,
    limit: number,
    tags: string[] | undefined,
    wait: WaitOptions = {},
  ): Promise<ReadResult> {
    return this.call((q) => q.read(this.ref, from, limit, tags, rpcWait(wait)));
  }
  committedOffset(group: string): Promise<number | undefined> {
    return this.call((q) => q.committedOffset(this.ref, group));
  }
  commitOffset(group: string, offset: number, reset: boolean): Promise<number> {
    return this.call((q) => q.commitOffset(this.ref, group, offset, reset));
  }
  receive(group: string, params: ReceiveParams, wait: WaitOptions = {}): Promise<LeasedMessage[]> {
    return this.call((q) => q.receive(this.ref, group, params, rpcWait(wait)));
  }
  ack(group: string, receipts: string[]): Promise<void> {
    return this.call((q) => q.ack(this.ref, group, receipts));
  }
  nack(group: string, receipts: string[], delayMs?: number): Promise<void> {
    return this.call((q) => q.nack(this.ref, group, receipts, delayMs));
  }
  extend(group: string, receipts: string[], visibilityMs: number): Promise<void> {
    return this.call((q) => q.extend(this.ref, group, receipts, visibilityMs));
  }
  sendBack(group: string, offset: number, delayMs?: number): Promise<void> {
    return this.call((q) => q.sendBack(this.ref, group, offset, delayMs));
  }
  listDeadLetters(group: string, limit: number): Promise<DeadLetter[]> {
    return this.call((q) => q.listDeadLetters(this.ref, group, limit));
  }
  redrive(group: string, limit: number, msgIds?: string[]): Promise<number> {
    return this.call((q) => q.redrive(this.ref, group, limit, msgIds));
  }
  getMessage(msgId: string): Promise<Message> {
    return this.call((q) => q.getMessage(this.ref, msgId));
  }
  queryByKey(key: string, limit: number, from?: number, to?: number): Promise<Message[]> {
    return this.call((q) => q.queryByKey(this.ref, key, limit, from, to));
  }
  snapshot(): Promise<QueueSnapshot> {
    return this.call((q) => q.snapshot(this.ref));
  }
  appendHalf(txId: string, batch: NormalizedAppend): Promise<SendResult[]> {
    return this.call((q) => q.appendHalf(this.ref, txId, batch));
  }
  decideTransaction(
    txId: string,
    action: TransactionAction,
    by: "producer" | "check",
    scope?: ProducerScope,
  ): Promise<TransactionInfo> {
    return this.call((q) => q.decideTransaction(this.ref, txId, action, by, scope));
  }
  listTransactions(filter: TransactionFilter): Promise<TransactionInfo[]> {
    return this.call((q) => q.listTransactions(this.ref, filter));
  }

  /** Deletes the queue and all its data (its topic was deleted). */
  destroy(): Promise<void> {
    return this.call((q) => q.destroy());
  }

  private async call<T>(rpc: (queue: QueueRpc) => Promise<Outcome<T>>): Promise<T> {
    return unwrap(await rpc(this.stub));
  }
}

/** A signal cannot cross RPC: the wait is bounded by `waitMs` on the other side. */
function rpcWait(wait: WaitOptions): RpcWait {
  return wait.waitMs === undefined ? {} : { waitMs: wait.waitMs };
}
