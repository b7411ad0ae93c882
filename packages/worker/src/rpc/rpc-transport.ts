import {
  type AppendRequest,
  type CallOptions,
  type DeadLetter,
  EdgeqError,
  type LeasedMessage,
  type Message,
  type ReadOptions,
  type ReadResult,
  type ReceiveOptions,
  type SendBackOptions,
  type SendResult,
  type TopicInfo,
  type TopicStats,
  type TransactionAction,
  type TransactionInfo,
  type Transport,
} from "@edgeq/core";
import type { Outcome } from "../broker/queue-ref.js";
import type { RouterMethod } from "./entrypoint.js";

/** What a service binding to `EdgeqRpc` offers, typed plainly (see `DurableQueue` for why). */
export interface EdgeqRpcBinding {
  topicInfo(topic: string): Promise<Outcome<TopicInfo>>;
  call(topic: string, method: RouterMethod, args: unknown[]): Promise<Outcome<unknown>>;
}

/**
 * The core's Transport over a service binding to the edgeq Worker, so a
 * Worker produces and consumes with the same Producer and PushConsumer as
 * everyone else: `new Producer(new RpcTransport(env.EDGEQ), { topic })`.
 */
export class RpcTransport implements Transport {
  private readonly binding: EdgeqRpcBinding;

  constructor(binding: unknown) {
    this.binding = binding as EdgeqRpcBinding;
  }

  async topicInfo(topic: string, options?: CallOptions): Promise<TopicInfo> {
    options?.signal?.throwIfAborted();
    return unwrap(await this.binding.topicInfo(topic));
  }

  send(topic: string, request: AppendRequest, options?: CallOptions): Promise<SendResult[]> {
    return this.call(topic, "send", [request], options);
  }

  read(topic: string, queueId: number, options: ReadOptions): Promise<ReadResult> {
    const { signal, ...rest } = options;
    return this.call(topic, "read", [queueId, rest], { signal });
  }

  getOffsets(topic: string, group: string, options?: CallOptions): Promise<Record<string, number>> {
    return this.call(topic, "getOffsets", [group], options);
  }

  async commitOffsets(
    topic: string,
    group: string,
    offsets: Record<string, number>,
    options?: CallOptions & { reset?: boolean },
  ): Promise<void> {
    await this.call(topic, "commitOffsets", [group, offsets, options?.reset === true], options);
  }

  receive(topic: string, group: string, options: ReceiveOptions = {}): Promise<LeasedMessage[]> {
    const { signal, ...rest } = options;
    return this.call(topic, "receive", [group, rest], { signal });
  }

  ack(topic: string, group: string, receipts: string[], options?: CallOptions): Promise<void> {
    return this.call(topic, "ack", [group, receipts], options);
  }

  nack(
    topic: string,
    group: string,
    receipts: string[],
    options?: CallOptions & { delayMs?: number },
  ): Promise<void> {
    return this.call(topic, "nack", [group, receipts, options?.delayMs], options);
  }

  extend(
    topic: string,
    group: string,
    receipts: string[],
    visibilityMs: number,
    options?: CallOptions,
  ): Promise<void> {
    return this.call(topic, "extend", [group, receipts, visibilityMs], options);
  }

  sendBack(
    topic: string,
    group: string,
    message: Pick<Message, "queueId" | "offset">,
    options?: SendBackOptions,
  ): Promise<void> {
    return this.call(
      topic,
      "sendBack",
      [group, message.queueId, message.offset, options?.delayMs],
      options,
    );
  }

  getMessage(topic: string, msgId: string, options?: CallOptions): Promise<Message> {
    return this.call(topic, "getMessage", [msgId], options);
  }

  queryByKey(
    topic: string,
    key: string,
    options?: CallOptions & { limit?: number },
  ): Promise<Message[]> {
    return this.call(
      topic,
      "queryByKey",
      [key, options?.limit === undefined ? {} : { limit: options.limit }],
      options,
    );
  }

  listDeadLetters(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number },
  ): Promise<DeadLetter[]> {
    return this.call(topic, "listDeadLetters", [group, options?.limit ?? 100], options);
  }

  redrive(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number; msgIds?: string[] },
  ): Promise<number> {
    const { signal, ...rest } = options ?? {};
    return this.call(topic, "redrive", [group, rest], { signal });
  }

  stats(topic: string, options?: CallOptions): Promise<TopicStats> {
    return this.call(topic, "stats", [], options);
  }

  endTransaction(
    topic: string,
    txId: string,
    action: TransactionAction,
    options?: CallOptions,
  ): Promise<TransactionInfo> {
    return this.call(topic, "endTransaction", [txId, action], options);
  }

  listTransactions(
    topic: string,
    filter: { producerId?: string; state?: "unknown" | "pending" } = {},
    options?: CallOptions,
  ): Promise<TransactionInfo[]> {
    return this.call(topic, "listTransactions", [filter], options);
  }

  /** Signals cannot cross RPC: checked before the call, and long-polls are bounded by their waitMs. */
  private async call<T>(
    topic: string,
    method: RouterMethod,
    args: unknown[],
    options?: CallOptions,
  ): Promise<T> {
    options?.signal?.throwIfAborted();
    return unwrap(await this.binding.call(topic, method, args)) as T;
  }
}

function unwrap<T>(outcome: Outcome<T>): T {
  if (!outcome.ok)
    throw new EdgeqError(
      outcome.error.code,
      outcome.error.message,
      outcome.error.details ? { details: outcome.error.details } : {},
    );
  return outcome.value;
}
