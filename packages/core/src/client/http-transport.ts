import { EdgeqError, type EdgeqErrorCode, errorStatus } from "../errors.js";
import type {
  AppendRequest,
  DeadLetter,
  JsonValue,
  LeasedMessage,
  Message,
  ReadResult,
  SendResult,
  TopicStats,
  TransactionAction,
  TransactionInfo,
} from "../model.js";
import { messageFromWire as fromWire, messageToWire } from "../wire.js";
import type {
  CallOptions,
  ReadOptions,
  ReceiveOptions,
  SendBackOptions,
  TopicInfo,
  Transport,
} from "./transport.js";

/** The slice of `fetch` edgeq uses, so the core needs no DOM or Node types. */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    signal?: AbortSignal;
  },
) => Promise<FetchResponseLike>;

/** The part of a fetch Response the transport reads. */
export interface FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** A bearer token, or a function asked before every request (so a refreshed token is picked up). */
export type TokenSource = string | (() => string | Promise<string>);

/** Where the broker is and how to authenticate to it. */
export interface HttpTransportOptions {
  /** The worker's origin, e.g. `https://queue.example.com` (a path prefix is kept). */
  url: string;
  token?: TokenSource;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
}

const CODES = new Set(Object.keys(errorStatus));

/**
 * The core's `Transport` over PROTOCOL.md: what a browser, a Node script or
 * another Worker uses to reach the edge broker. Every failure is an
 * `EdgeqError`: the broker's own code and details when it answered, `too_large`
 * and friends from the status when a proxy answered instead, `unavailable`
 * when nothing answered. A 429's or 503's `Retry-After` lands in
 * `details.retryAfterMs`, where the clients' backoff honours it.
 */
export class HttpTransport implements Transport {
  private readonly base: string;
  private readonly fetch: FetchLike;

  constructor(private readonly options: HttpTransportOptions) {
    this.base = options.url.replace(/\/+$/, "");
    const fetch = options.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (!fetch) throw new EdgeqError("invalid_request", "no fetch available: pass options.fetch");
    // Bound so a platform fetch is not called with the transport as `this`.
    this.fetch = fetch.bind(globalThis);
  }

  async topicInfo(topic: string, options?: CallOptions): Promise<TopicInfo> {
    const stats = await this.stats(topic, options);
    return { topic, queueCount: stats.queues.length };
  }

  async send(topic: string, request: AppendRequest, options?: CallOptions): Promise<SendResult[]> {
    const messages = request.messages.map(messageToWire);
    const { results } = await this.call<{ results: SendResult[] }>(
      "POST",
      `${topicPath(topic)}/messages`,
      options,
      { ...request, messages },
    );
    return results;
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

  private async call<T>(
    method: "GET" | "POST",
    path: string,
    options: CallOptions | undefined,
    body?: unknown,
  ): Promise<T> {
    const headers: Record<string, string> = {};
    const token = await resolveToken(this.options.token);
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: FetchResponseLike;
    try {
      response = await this.fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(options?.signal ? { signal: options.signal } : {}),
      });
    } catch (cause) {
      if (options?.signal?.aborted) throw options.signal.reason;
      // No answer at all: the request may or may not have reached the broker.
      throw new EdgeqError("unavailable", "the broker could not be reached", { cause });
    }
    const text = await response.text().catch(() => "");
    if (response.status >= 200 && response.status < 300) return parseJson(text) as T;
    throw responseError(response, text);
  }
}

async function resolveToken(source: TokenSource | undefined): Promise<string | undefined> {
  return typeof source === "function" ? await source() : source;
}

function topicPath(topic: string): string {
  return `/v1/topics/${encodeURIComponent(topic)}`;
}

function groupPath(topic: string, group: string): string {
  return `${topicPath(topic)}/groups/${encodeURIComponent(group)}`;
}

/** `?a=1&b=x` from the defined entries, or "" when there are none. */
function queryString(params: Record<string, string | number | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new EdgeqError("internal", "the broker answered with malformed JSON", { cause });
  }
}

/** Turns a non-2xx answer into the protocol's typed error. */
function responseError(response: FetchResponseLike, text: string): EdgeqError {
  let code = codeForStatus(response.status);
  let message = `the broker answered ${response.status}`;
  const details: Record<string, unknown> = { status: response.status };
  try {
    const body = JSON.parse(text) as { error?: Record<string, JsonValue> };
    const { code: sent, message: said, ...rest } = body.error ?? {};
    if (typeof sent === "string" && CODES.has(sent)) code = sent as EdgeqErrorCode;
    if (typeof said === "string") message = said;
    Object.assign(details, rest);
  } catch {
    // Not edgeq's JSON (a proxy's HTML page, an empty 502): the status decides.
  }
  const retryAfter = parseRetryAfter(response.headers.get("retry-after"));
  if (retryAfter !== undefined) details.retryAfterMs = retryAfter;
  return new EdgeqError(code, message, { details });
}

function codeForStatus(status: number): EdgeqErrorCode {
  const known = Object.entries(errorStatus).find(([, s]) => s === status);
  if (known) return known[0] as EdgeqErrorCode;
  if (status >= 500) return "unavailable";
  return "invalid_request";
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from now. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
