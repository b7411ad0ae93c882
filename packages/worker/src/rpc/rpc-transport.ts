import type { WorkerEntrypoint } from "cloudflare:workers";
import type {
  AppendRequest,
  CallOptions,
  DeadLetter,
  LeasedMessage,
  Message,
  ReadOptions,
  ReadResult,
  ReceiveOptions,
  SendBackOptions,
  SendResult,
  TopicInfo,
  TopicStats,
  TransactionAction,
  TransactionInfo,
  Transport,
} from "@edgeq/core";
import type { GroupSettings } from "@edgeq/core/engine";
import { type Outcome, unwrap } from "../shared/outcome.js";
import type { EdgeqRpc } from "./entrypoint.js";

/**
 * What a service binding to `EdgeqRpc` offers: its methods as the class
 * declares them. (The binding's generated RPC types of these results are too
 * deep for TypeScript to instantiate.)
 */
export type EdgeqRpcBinding = Omit<EdgeqRpc, keyof WorkerEntrypoint<Env>>;

/**
 * A service binding to the edgeq Worker's `EdgeqRpc` entrypoint, as a Worker's `Env` may
 * type it: `Service<EdgeqRpc>` (what `wrangler types` writes when it sees the broker's
 * types), a plain `Fetcher` (a binding to another Worker's entrypoint), or `EdgeqRpcBinding`.
 * A Fetcher cannot say which entrypoint it reaches; the wrangler config's
 * `"entrypoint": "EdgeqRpc"` does.
 */
export type EdgeqRpcTarget = EdgeqRpcBinding | Service<EdgeqRpc> | Fetcher;

/**
 * The core's Transport over a service binding to the edgeq Worker, so a
 * Worker produces and consumes with the same Producer and PushConsumer as
 * everyone else: `new Producer(new RpcTransport(env.EDGEQ), { topic })`.
 * Signals cannot cross RPC: each is checked before its call, and long-polls
 * are bounded by their `waitMs`.
 *
 * @example
 * ```ts
 * // wrangler.jsonc: "services": [{ "binding": "EDGEQ", "service": "edgeq-broker", "entrypoint": "EdgeqRpc" }]
 * import { Producer } from "@edgeq/core";
 * import { type EdgeqRpcTarget, RpcTransport } from "@edgeq/worker/bindings";
 *
 * export default {
 *   async fetch(request, env) {
 *     const transport = new RpcTransport(env.EDGEQ);
 *     const producer = new Producer(transport, { topic: "orders" });
 *     const result = await producer.send({ body: await request.json(), key: "cart-9" });
 *     return Response.json(result);
 *   },
 * } satisfies ExportedHandler<{ EDGEQ: EdgeqRpcTarget }>;
 * ```
 */
export class RpcTransport implements Transport {
  private readonly rpc: EdgeqRpcBinding;

  /** `binding`: the service binding to the edgeq Worker's `EdgeqRpc` entrypoint. */
  constructor(binding: EdgeqRpcTarget) {
    // Each of the forms has EdgeqRpc's methods at run time; Service<EdgeqRpc>'s own types of
    // them are too deep for TypeScript to compare with the class's, hence the cast.
    this.rpc = binding as unknown as EdgeqRpcBinding;
  }

  topicInfo(topic: string, options?: CallOptions): Promise<TopicInfo> {
    return this.call(options, (rpc) => rpc.topicInfo(topic));
  }

  send(topic: string, request: AppendRequest, options?: CallOptions): Promise<SendResult[]> {
    return this.call(options, (rpc) => rpc.send(topic, request));
  }

  read(topic: string, queueId: number, options: ReadOptions): Promise<ReadResult> {
    const { signal, ...rest } = options;
    return this.call({ signal }, (rpc) => rpc.read(topic, queueId, rest));
  }

  getOffsets(topic: string, group: string, options?: CallOptions): Promise<Record<string, number>> {
    return this.call(options, (rpc) => rpc.getOffsets(topic, group));
  }

  async commitOffsets(
    topic: string,
    group: string,
    offsets: Record<string, number>,
    options?: CallOptions & { reset?: boolean },
  ): Promise<void> {
    const reset = options?.reset === true;
    await this.call(options, (rpc) => rpc.commitOffsets(topic, group, offsets, { reset }));
  }

  receive(topic: string, group: string, options: ReceiveOptions = {}): Promise<LeasedMessage[]> {
    const { signal, ...rest } = options;
    return this.call({ signal }, (rpc) => rpc.receive(topic, group, rest));
  }

  ack(topic: string, group: string, receipts: string[], options?: CallOptions): Promise<void> {
    return this.call(options, (rpc) => rpc.ack(topic, group, receipts));
  }

  nack(
    topic: string,
    group: string,
    receipts: string[],
    options?: CallOptions & { delayMs?: number },
  ): Promise<void> {
    const delay = options?.delayMs === undefined ? {} : { delayMs: options.delayMs };
    return this.call(options, (rpc) => rpc.nack(topic, group, receipts, delay));
  }

  extend(
    topic: string,
    group: string,
    receipts: string[],
    visibilityMs: number,
    options?: CallOptions,
  ): Promise<void> {
    return this.call(options, (rpc) => rpc.extend(topic, group, receipts, visibilityMs));
  }

  sendBack(
    topic: string,
    group: string,
    message: Pick<Message, "queueId" | "offset">,
    options?: SendBackOptions,
  ): Promise<void> {
    const at = { queueId: message.queueId, offset: message.offset };
    const delay = options?.delayMs === undefined ? {} : { delayMs: options.delayMs };
    return this.call(options, (rpc) => rpc.sendBack(topic, group, at, delay));
  }

  getMessage(topic: string, msgId: string, options?: CallOptions): Promise<Message> {
    return this.call(options, (rpc) => rpc.getMessage(topic, msgId));
  }

  queryByKey(
    topic: string,
    key: string,
    options?: CallOptions & { limit?: number },
  ): Promise<Message[]> {
    return this.call(options, (rpc) => rpc.queryByKey(topic, key, limitOf(options)));
  }

  listDeadLetters(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number },
  ): Promise<DeadLetter[]> {
    return this.call(options, (rpc) => rpc.listDeadLetters(topic, group, limitOf(options)));
  }

  redrive(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number; msgIds?: string[] },
  ): Promise<number> {
    const { signal, ...rest } = options ?? {};
    return this.call({ signal }, (rpc) => rpc.redrive(topic, group, rest));
  }

  groupSettings(topic: string, group: string, options?: CallOptions): Promise<GroupSettings> {
    return this.call(options, (rpc) => rpc.groupSettings(topic, group));
  }

  setGroupSettings(
    topic: string,
    group: string,
    settings: GroupSettings,
    options?: CallOptions,
  ): Promise<GroupSettings> {
    return this.call(options, (rpc) => rpc.setGroupSettings(topic, group, settings));
  }

  stats(topic: string, options?: CallOptions): Promise<TopicStats> {
    return this.call(options, (rpc) => rpc.stats(topic));
  }

  endTransaction(
    topic: string,
    txId: string,
    action: TransactionAction,
    options?: CallOptions,
  ): Promise<TransactionInfo> {
    return this.call(options, (rpc) => rpc.endTransaction(topic, txId, action));
  }

  listTransactions(
    topic: string,
    filter: { producerId?: string; state?: "unknown" | "pending" } = {},
    options?: CallOptions,
  ): Promise<TransactionInfo[]> {
    return this.call(options, (rpc) => rpc.listTransactions(topic, filter));
  }

  private async call<T>(
    options: CallOptions | undefined,
    rpc: (binding: EdgeqRpcBinding) => Promise<Outcome<T>>,
  ): Promise<T> {
    options?.signal?.throwIfAborted();
    return unwrap(await rpc(this.rpc));
  }
}

function limitOf(options: { limit?: number } | undefined): { limit?: number } {
  return options?.limit === undefined ? {} : { limit: options.limit };
}
