import type {
  BlockedKey,
  DeadLetter,
  GroupSettings,
  HistorySample,
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
import { PrimaryRoute } from "../replication/primary-route.js";
import type { ReplicationSetting } from "../replication/replication-setting.js";
import { type Outcome, unwrap } from "../shared/outcome.js";
import { type QueueRef, queueObjectName, type RpcWait } from "../shared/queue-ref.js";

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
  private readonly route: PrimaryRoute | undefined;

  /** With `replication` (and `env`), calls go to whichever member is the queue's primary. */
  constructor(
    namespace: Env["QUEUE"],
    private readonly ref: QueueRef,
    replicated?: { env: Env; setting: ReplicationSetting },
  ) {
    this.stub = namespace.get(namespace.idFromName(queueObjectName(ref))) as unknown as QueueRpc;
    this.route = replicated && new PrimaryRoute(replicated.env, ref, replicated.setting);
  }

  get queueId(): number {
    return this.ref.queueId;
  }

  append(batch: NormalizedAppend): Promise<SendResult[]> {
    return this.call((q, ref) => q.append(ref, batch));
  }
  read(
    from: number,
    limit: number,
    tags: string[] | undefined,
    wait: WaitOptions = {},
  ): Promise<ReadResult> {
    return this.call((q, ref) => q.read(ref, from, limit, tags, rpcWait(wait)));
  }
  committedOffset(group: string): Promise<number | undefined> {
    return this.call((q, ref) => q.committedOffset(ref, group));
  }
  commitOffset(group: string, offset: number, reset: boolean): Promise<number> {
    return this.call((q, ref) => q.commitOffset(ref, group, offset, reset));
  }
  receive(group: string, params: ReceiveParams, wait: WaitOptions = {}): Promise<LeasedMessage[]> {
    return this.call((q, ref) => q.receive(ref, group, params, rpcWait(wait)));
  }
  ack(group: string, receipts: string[]): Promise<void> {
    return this.call((q, ref) => q.ack(ref, group, receipts));
  }
  nack(group: string, receipts: string[], delayMs?: number): Promise<void> {
    return this.call((q, ref) => q.nack(ref, group, receipts, delayMs));
  }
  extend(group: string, receipts: string[], visibilityMs: number): Promise<void> {
    return this.call((q, ref) => q.extend(ref, group, receipts, visibilityMs));
  }
  sendBack(group: string, offset: number, delayMs?: number): Promise<void> {
    return this.call((q, ref) => q.sendBack(ref, group, offset, delayMs));
  }
  listDeadLetters(group: string, limit: number): Promise<DeadLetter[]> {
    return this.call((q, ref) => q.listDeadLetters(ref, group, limit));
  }
  redrive(group: string, limit: number, msgIds?: string[]): Promise<number> {
    return this.call((q, ref) => q.redrive(ref, group, limit, msgIds));
  }
  discardDeadLetters(group: string, limit: number, msgIds?: string[]): Promise<number> {
    return this.call((q, ref) => q.discardDeadLetters(ref, group, limit, msgIds));
  }
  blockedKeys(group: string, limit: number): Promise<BlockedKey[]> {
    return this.call((q, ref) => q.blockedKeys(ref, group, limit));
  }
  groupSettings(group: string): Promise<GroupSettings> {
    return this.call((q, ref) => q.groupSettings(ref, group));
  }
  setGroupSettings(group: string, settings: GroupSettings): Promise<void> {
    return this.call((q, ref) => q.setGroupSettings(ref, group, settings));
  }
  purgeGroup(group: string): Promise<number> {
    return this.call((q, ref) => q.purgeGroup(ref, group));
  }
  purge(): Promise<number> {
    return this.call((q, ref) => q.purge(ref));
  }
  deleteGroup(group: string): Promise<boolean> {
    return this.call((q, ref) => q.deleteGroup(ref, group));
  }
  getMessage(msgId: string): Promise<Message> {
    return this.call((q, ref) => q.getMessage(ref, msgId));
  }
  queryByKey(key: string, limit: number, from?: number, to?: number): Promise<Message[]> {
    return this.call((q, ref) => q.queryByKey(ref, key, limit, from, to));
  }
  snapshot(): Promise<QueueSnapshot> {
    return this.call((q, ref) => q.snapshot(ref));
  }
  history(fromMinute: number): Promise<HistorySample[]> {
    return this.call((q, ref) => q.history(ref, fromMinute));
  }
  appendHalf(txId: string, batch: NormalizedAppend): Promise<SendResult[]> {
    return this.call((q, ref) => q.appendHalf(ref, txId, batch));
  }
  endTransaction(
    txId: string,
    action: TransactionAction,
    by: "producer" | "check",
    scope?: ProducerScope,
  ): Promise<TransactionInfo> {
    return this.call((q, ref) => q.endTransaction(ref, txId, action, by, scope));
  }
  listTransactions(filter: TransactionFilter): Promise<TransactionInfo[]> {
    return this.call((q, ref) => q.listTransactions(ref, filter));
  }

  private async call<T>(rpc: (queue: QueueRpc, ref: QueueRef) => Promise<Outcome<T>>): Promise<T> {
    return unwrap(await (this.route ? this.route.call(rpc) : rpc(this.stub, this.ref)));
  }
}

/** A signal cannot cross RPC: the wait is bounded by `waitMs` on the other side. */
function rpcWait(wait: WaitOptions): RpcWait {
  return wait.waitMs === undefined ? {} : { waitMs: wait.waitMs };
}
