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
  TransactionInfo,
} from "../model.js";
import { messageFromWire as fromWire } from "../wire.js";
import {
  groupPath,
  type HttpCall,
  type HttpTransportOptions,
  httpCall,
  queryString,
  topicPath,
} from "./http-call.js";
import { sendOverHttp } from "./http-sender.js";
import type {
  CallOptions,
  ReadOptions,
  ReceiveOptions,
  SendBackOptions,
  TopicInfo,
  Transport,
} from "./transport.js";

export {
  type FetchLike,
  type FetchResponseLike,
  type HttpTransportOptions,
  parseRetryAfter,
  type TokenRequest,
  type TokenSource,
} from "./http-call.js";

/**
 * The core's `Transport` over docs/protocol.md: what a browser, a Node script or
 * another Worker uses to reach the edge broker. Every failure is an
 * `EdgeqError`: the broker's own code and details when it answered, `too_large`
 * and friends from the status when a proxy answered instead, `unavailable`
 * when nothing answered. A 429's or 503's `Retry-After` lands in
 * `details.retryAfterMs`, where the clients' backoff honours it.
 */
export class HttpTransport implements Transport {
  private readonly call: HttpCall;

  constructor(options: HttpTransportOptions) {
    this.call = httpCall(options);
  }

  async topicInfo(topic: string, options?: CallOptions): Promise<TopicInfo> {
    const stats = await this.stats(topic, options);
    return { topic, queueCount: stats.queues.length };
  }

  send(topic: string, request: AppendRequest, options?: CallOptions): Promise<SendResult[]> {
    return sendOverHttp(this.call, topic, request, options);
  }

  async read(topic: string, queueId: number, options: ReadOptions): Promise<ReadResult> {
    const query = queryString({
      from: options.from,
      limit: options.limit,
      waitMs: options.waitMs,
      tags: options.tags?.length ? options.tags.join(",") : undefined,
    });
    const result = await this.call<ReadResult>(
      "GET",
      `${topicPath(topic)}/queues/${queueId}/messages${query}`,
      options,
    );
    return { ...result, messages: result.messages.map(fromWire) };
  }

  async getOffsets(
    topic: string,
    group: string,
    options?: CallOptions,
  ): Promise<Record<string, number>> {
    const { offsets } = await this.call<{ offsets: Record<string, number> }>(
      "GET",
      `${groupPath(topic, group)}/offsets`,
      options,
    );
    return offsets;
  }

  async commitOffsets(
    topic: string,
    group: string,
    offsets: Record<string, number>,
    options?: CallOptions & { reset?: boolean },
  ): Promise<void> {
    await this.call("POST", `${groupPath(topic, group)}/offsets`, options, {
      offsets,
      ...(options?.reset ? { reset: true } : {}),
    });
  }

  async receive(topic: string, group: string, options?: ReceiveOptions): Promise<LeasedMessage[]> {
    const { signal: _signal, ...body } = options ?? {};
    const { messages } = await this.call<{ messages: LeasedMessage[] }>(
      "POST",
      `${groupPath(topic, group)}/receive`,
      options,
      body,
    );
    return messages.map(fromWire);
  }

  async ack(topic: string, group: string, receipts: string[], options?: CallOptions) {
    await this.call("POST", `${groupPath(topic, group)}/ack`, options, { receipts });
  }

  async nack(
    topic: string,
    group: string,
    receipts: string[],
    options?: CallOptions & { delayMs?: number },
  ): Promise<void> {
    await this.call("POST", `${groupPath(topic, group)}/nack`, options, {
      receipts,
      ...(options?.delayMs === undefined ? {} : { delayMs: options.delayMs }),
    });
  }

  async extend(
    topic: string,
    group: string,
    receipts: string[],
    visibilityMs: number,
    options?: CallOptions,
  ): Promise<void> {
    await this.call("POST", `${groupPath(topic, group)}/extend`, options, {
      receipts,
      visibilityMs,
    });
  }

  async sendBack(
    topic: string,
    group: string,
    message: Pick<Message, "queueId" | "offset">,
    options?: SendBackOptions,
  ): Promise<void> {
    await this.call("POST", `${groupPath(topic, group)}/retry`, options, {
      queueId: message.queueId,
      offset: message.offset,
      ...(options?.delayMs === undefined ? {} : { delayMs: options.delayMs }),
    });
  }

  async getMessage(topic: string, msgId: string, options?: CallOptions): Promise<Message> {
    const message = await this.call<Message>(
      "GET",
      `${topicPath(topic)}/messages/${encodeURIComponent(msgId)}`,
      options,
    );
    return fromWire(message);
  }

  async queryByKey(
    topic: string,
    key: string,
    options?: CallOptions & { limit?: number },
  ): Promise<Message[]> {
    const query = queryString({ key, limit: options?.limit });
    const { messages } = await this.call<{ messages: Message[] }>(
      "GET",
      `${topicPath(topic)}/messages${query}`,
      options,
    );
    return messages.map(fromWire);
  }

  async listDeadLetters(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number },
  ): Promise<DeadLetter[]> {
    const { messages } = await this.call<{ messages: DeadLetter[] }>(
      "GET",
      `${groupPath(topic, group)}/dlq${queryString({ limit: options?.limit })}`,
      options,
    );
    return messages.map((d) => ({ ...d, message: fromWire(d.message) }));
  }

  async redrive(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number; msgIds?: string[] },
  ): Promise<number> {
    const { redriven } = await this.call<{ redriven: number }>(
      "POST",
      `${groupPath(topic, group)}/dlq/redrive`,
      options,
      {
        ...(options?.limit === undefined ? {} : { limit: options.limit }),
        ...(options?.msgIds ? { msgIds: options.msgIds } : {}),
      },
    );
    return redriven;
  }

  async groupSettings(topic: string, group: string, options?: CallOptions): Promise<GroupSettings> {
    const { settings } = await this.call<{ settings: GroupSettings }>(
      "GET",
      `${groupPath(topic, group)}/settings`,
      options,
    );
    return settings;
  }

  async setGroupSettings(
    topic: string,
    group: string,
    settings: GroupSettings,
    options?: CallOptions,
  ): Promise<GroupSettings> {
    const answer = await this.call<{ settings: GroupSettings }>(
      "PUT",
      `${groupPath(topic, group)}/settings`,
      options,
      settings,
    );
    return answer.settings;
  }

  stats(topic: string, options?: CallOptions): Promise<TopicStats> {
    return this.call<TopicStats>("GET", `${topicPath(topic)}/stats`, options);
  }

  endTransaction(
    topic: string,
    txId: string,
    action: TransactionAction,
    options?: CallOptions,
  ): Promise<TransactionInfo> {
    return this.call<TransactionInfo>(
      "POST",
      `${topicPath(topic)}/transactions/${encodeURIComponent(txId)}`,
      options,
      { action },
    );
  }

  async listTransactions(
    topic: string,
    filter: { producerId?: string; state?: "unknown" | "pending" } = {},
    options?: CallOptions,
  ): Promise<TransactionInfo[]> {
    const query = queryString({ producerId: filter.producerId, state: filter.state });
    const { transactions } = await this.call<{ transactions: TransactionInfo[] }>(
      "GET",
      `${topicPath(topic)}/transactions${query}`,
      options,
    );
    return transactions.map((tx) => ({
      ...tx,
      messages: tx.messages.map((m) => fromWire(m as Message)),
    }));
  }
}
