import { EdgeqError } from "../errors.js";
import type {
  AppendRequest,
  DeadLetter,
  LeasedMessage,
  Message,
  ReadResult,
  SendResult,
  TopicStats,
} from "../model.js";
import type {
  ReadOptions,
  ReceiveOptions,
  SendBackOptions,
  TopicInfo,
  Transport,
} from "./transport.js";

interface FakeQueue {
  minOffset: number;
  /** `messages[i].offset === minOffset + i`. */
  messages: Message[];
}

interface RetryEntry {
  message: Message;
  receipt?: string;
}

/**
 * A small in-memory broker behind the Transport interface, for unit tests of
 * client logic: idempotent append, reads by offset with tags, offsets that
 * never move back, send-back and a retry queue in lease mode. Delays and
 * lease expiry are not simulated (retries are visible at once).
 */
export class FakeTransport implements Transport {
  readonly queues: FakeQueue[];
  readonly offsets = new Map<string, Map<number, number>>();
  /** Every append request that reached the fake, copied. */
  readonly appends: AppendRequest[] = [];
  /** Every accepted commit, in order. */
  readonly commits: Record<string, number>[] = [];
  /** Every send-back the fake accepted, with the delay asked for. */
  readonly sentBack: { queueId: number; offset: number; delayMs?: number }[] = [];
  readonly retries: RetryEntry[] = [];
  readonly deadLetters: DeadLetter[] = [];
  private readonly seen = new Map<string, SendResult>();
  private nextReceipt = 1;
  private roundRobin = 0;

  constructor(
    readonly topic = "t",
    queueCount = 1,
    readonly maxReconsumeTimes = 16,
  ) {
    this.queues = Array.from({ length: queueCount }, () => ({ minOffset: 0, messages: [] }));
  }

  /** Deletes a queue's messages below `offset`, as retention would. */
  trim(queueId: number, offset: number): void {
    const q = this.queue(queueId);
    q.messages = q.messages.filter((m) => m.offset >= offset);
    q.minOffset = offset;
  }

  /** All stored messages of all queues. */
  all(): Message[] {
    return this.queues.flatMap((q) => q.messages);
  }

  async topicInfo(topic: string): Promise<TopicInfo> {
    return { topic: this.check(topic), queueCount: this.queues.length };
  }

  async send(topic: string, request: AppendRequest): Promise<SendResult[]> {
    this.check(topic);
    this.appends.push({ ...request, messages: request.messages.map((m) => ({ ...m })) });
    return request.messages.map((m) => {
      const id = request.producerId !== undefined && m.seq !== undefined;
      const dedupKey = `${request.producerId}:${m.seq}`;
      const earlier = id ? this.seen.get(dedupKey) : undefined;
      if (earlier) return { ...earlier, status: "duplicate" };
      const queueId =
        m.key === undefined
          ? this.roundRobin++ % this.queues.length
          : hash(m.key) % this.queues.length;
      const q = this.queue(queueId);
      const offset = q.minOffset + q.messages.length;
      const msgId = `m-${queueId}-${offset}`;
      q.messages.push({
        msgId,
        topic,
        queueId,
        offset,
        body: m.body,
        key: m.key,
        tags: m.tags ?? [],
        headers: m.headers ?? {},
        producedAt: 0,
        producerId: request.producerId,
        seq: m.seq,
        reconsumeTimes: 0,
      });
      const result: SendResult = { status: "stored", seq: m.seq, msgId, queueId, offset };
      if (id) this.seen.set(dedupKey, result);
      return result;
    });
  }

  async read(topic: string, queueId: number, options: ReadOptions): Promise<ReadResult> {
    this.check(topic);
    const q = this.queue(queueId);
    const headOffset = q.minOffset + q.messages.length;
    if (options.from < q.minOffset)
      throw new EdgeqError("offset_out_of_range", `offset ${options.from} is gone`, {
        details: { minOffset: q.minOffset, maxOffset: headOffset },
      });
    const limit = options.limit ?? 32;
    const messages: Message[] = [];
    let next = options.from;
    for (; next < headOffset && messages.length < limit; next++) {
      const m = q.messages[next - q.minOffset]!;
      if (!options.tags || m.tags.some((t) => options.tags?.includes(t))) messages.push(m);
    }
    return {
      messages,
      nextOffset: Math.max(next, options.from),
      headOffset,
      minOffset: q.minOffset,
    };
  }

  async getOffsets(topic: string, group: string): Promise<Record<string, number>> {
    this.check(topic);
    const offsets = this.offsets.get(group) ?? new Map<number, number>();
    return Object.fromEntries([...offsets].map(([q, o]) => [String(q), o]));
  }

  async commitOffsets(
    topic: string,
    group: string,
    offsets: Record<string, number>,
  ): Promise<void> {
    this.check(topic);
    const committed = this.offsets.get(group) ?? new Map<number, number>();
    this.offsets.set(group, committed);
    for (const [q, o] of Object.entries(offsets))
      committed.set(Number(q), Math.max(o, committed.get(Number(q)) ?? 0));
    this.commits.push({ ...offsets });
  }

  async sendBack(
    topic: string,
    _group: string,
    message: Pick<Message, "queueId" | "offset">,
    options: SendBackOptions = {},
  ): Promise<void> {
    this.check(topic);
    const q = this.queue(message.queueId);
    const original = q.messages[message.offset - q.minOffset];
    if (!original) throw new EdgeqError("not_found", `no message at ${message.offset}`);
    // Idempotent per (queue, offset), as the interface promises.
    if (this.sentBack.some((s) => s.queueId === message.queueId && s.offset === message.offset))
      return;
    this.sentBack.push({
      queueId: message.queueId,
      offset: message.offset,
      delayMs: options.delayMs,
    });
    this.retries.push({ message: { ...original, reconsumeTimes: original.reconsumeTimes + 1 } });
  }

  async receive(
    topic: string,
    _group: string,
    options: ReceiveOptions = {},
  ): Promise<LeasedMessage[]> {
    this.check(topic);
    if (!options.retriesOnly)
      throw new EdgeqError("invalid_request", "the fake only leases retries");
    const out: LeasedMessage[] = [];
    for (const entry of this.retries) {
      if (out.length >= (options.max ?? 32)) break;
      if (entry.receipt !== undefined) continue;
      entry.receipt = `r${this.nextReceipt++}`;
      out.push({ ...entry.message, receipt: entry.receipt, deliveryCount: 1 });
    }
    return out;
  }

  async ack(topic: string, _group: string, receipts: string[]): Promise<void> {
    this.check(topic);
    for (const receipt of receipts) this.retries.splice(this.leaseIndex(receipt), 1);
  }

  async nack(topic: string, _group: string, receipts: string[]): Promise<void> {
    this.check(topic);
    for (const receipt of receipts) {
      const [entry] = this.retries.splice(this.leaseIndex(receipt), 1);
      if (!entry) continue;
      const message = { ...entry.message, reconsumeTimes: entry.message.reconsumeTimes + 1 };
      if (message.reconsumeTimes > this.maxReconsumeTimes)
        this.deadLetters.push({ message, deadAt: 0, reason: "max_reconsume_times" });
      else this.retries.push({ message });
    }
  }

  extend = unsupported("extend");
  getMessage = unsupported("getMessage");
  queryByKey = unsupported("queryByKey");
  listDeadLetters = unsupported("listDeadLetters");
  redrive = unsupported("redrive");
  stats: (topic: string) => Promise<TopicStats> = unsupported("stats");
  endTransaction: Transport["endTransaction"] = unsupported("endTransaction");
  listTransactions: Transport["listTransactions"] = unsupported("listTransactions");

  private leaseIndex(receipt: string): number {
    const i = this.retries.findIndex((e) => e.receipt === receipt);
    if (i < 0)
      throw new EdgeqError("not_found", `unknown receipt ${receipt}`, {
        details: { receipts: [receipt] },
      });
    return i;
  }

  private queue(queueId: number): FakeQueue {
    const q = this.queues[queueId];
    if (!q) throw new EdgeqError("not_found", `no queue ${queueId}`);
    return q;
  }

  private check(topic: string): string {
    if (topic !== this.topic) throw new EdgeqError("not_found", `no topic ${topic}`);
    return topic;
  }
}

function unsupported(name: string): () => Promise<never> {
  return async () => {
    throw new EdgeqError("internal", `FakeTransport does not implement ${name}`);
  };
}

function hash(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return h;
}
