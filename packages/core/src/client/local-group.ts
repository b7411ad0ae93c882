import type { Clock } from "../clock.js";
import { Broker } from "../engine/broker.js";
import { resolveTopicConfig, type TopicConfig } from "../engine/config.js";
import type { GroupSettings } from "../engine/group-settings.js";
import { EdgeqError } from "../errors.js";
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
import { encodeStr } from "../store/keys.js";
import type { Store } from "../store/store.js";
import { base64ToBytes, bytesToBase64 } from "../util/bytes.js";
import type {
  CallOptions,
  ReadOptions,
  ReceiveOptions,
  SendBackOptions,
  TopicInfo,
  Transport,
} from "./transport.js";

/** A remote message as the local retry log keeps it: bytes as base64, since stores hold JSON. */
type KeptMessage = Omit<Message, "body"> & { body: JsonValue; bytes?: true };

function keep(message: Message): JsonValue {
  const kept: KeptMessage =
    message.body instanceof Uint8Array
      ? { ...message, body: bytesToBase64(message.body), bytes: true }
      : { ...message, body: message.body };
  return kept as unknown as JsonValue;
}

function restore(body: unknown): Message {
  const { bytes, ...kept } = body as KeptMessage;
  return { ...kept, body: bytes ? base64ToBytes(kept.body as string) : kept.body };
}

/** Options of `LocalGroupTransport.open`. */
export interface LocalGroupOptions {
  /** The local engine's clock (retry delays, leases). Default: the system clock, ticking on timers. */
  clock?: Clock;
  /**
   * Failures after which a message goes to the local dead letters. Default 16
   * (the engine's). Applies to every group of this store, also to retries already
   * waiting, and a store reopened with another value takes the new one.
   */
  maxReconsumeTimes?: number;
  /**
   * Delay before the n-th local retry (the last one repeats). Default: the
   * engine's schedule, 10 s, 30 s, 1 min, … 2 h. A consumer's `sendBackDelayMs`
   * overrides it for every retry.
   */
  retrySchedule?: readonly number[];
}

/**
 * A Transport for a consumer whose group lives with it, not at the broker:
 * messages are read from `remote`, while the group's offsets, retries and
 * dead letters are kept in the consumer's own `store`, on the core engine.
 * A message the handler fails is copied (once per group and offset) into a
 * local retry log and handed to the engine's retry schedule and dead-letter
 * queue there, so it comes back to this consumer, never to another one
 * that happens to use the same group name (a browser's Inbox). The local
 * engine keeps the copies under the remote topic's name, in its own store.
 */
export class LocalGroupTransport implements Transport {
  private readonly topics = new Map<string, Promise<void>>();

  private constructor(
    private readonly remote: Transport,
    private readonly store: Store,
    private readonly local: Broker,
    private readonly retries: Partial<Pick<TopicConfig, "maxReconsumeTimes" | "retrySchedule">>,
  ) {}

  /** Opens the group over `store` (its offsets, retries and dead letters), consuming from `remote`. */
  static async open(
    remote: Transport,
    store: Store,
    options: LocalGroupOptions = {},
  ): Promise<LocalGroupTransport> {
    const { clock, maxReconsumeTimes, retrySchedule } = options;
    const retries = {
      ...(maxReconsumeTimes === undefined ? {} : { maxReconsumeTimes }),
      ...(retrySchedule === undefined ? {} : { retrySchedule: [...retrySchedule] }),
    };
    resolveTopicConfig(retries); // nonsense is an `invalid_request` now, not at the first failure
    const local = await Broker.open({ store, ...(clock ? { clock } : {}) });
    return new LocalGroupTransport(remote, store, local, retries);
  }

  topicInfo(topic: string, options?: CallOptions): Promise<TopicInfo> {
    return this.remote.topicInfo(topic, options);
  }

  send(topic: string, request: AppendRequest, options?: CallOptions): Promise<SendResult[]> {
    return this.remote.send(topic, request, options);
  }

  read(topic: string, queueId: number, options: ReadOptions): Promise<ReadResult> {
    return this.remote.read(topic, queueId, options);
  }

  async getOffsets(topic: string, group: string): Promise<Record<string, number>> {
    return ((await this.store.get(offsetsKey(topic, group))) ?? {}) as Record<string, number>;
  }

  async commitOffsets(
    topic: string,
    group: string,
    offsets: Record<string, number>,
    options?: CallOptions & { reset?: boolean },
  ): Promise<void> {
    const current = await this.getOffsets(topic, group);
    const next = { ...current };
    // Never backwards unless asked, as the broker's own commit.
    for (const [queue, offset] of Object.entries(offsets))
      next[queue] = options?.reset ? offset : Math.max(offset, current[queue] ?? 0);
    await this.store.write([{ type: "put", key: offsetsKey(topic, group), value: next }]);
  }

  /** Only the group's local retries: new messages come by offset from the remote. */
  async receive(
    topic: string,
    group: string,
    options: ReceiveOptions = {},
  ): Promise<LeasedMessage[]> {
    if (!options.retriesOnly)
      throw new EdgeqError("invalid_request", "a local group receives only its retries");
    await this.ensureTopic(topic);
    const { signal: _signal, ...rest } = options;
    const leased = await this.local.receive(topic, group, rest);
    return leased.map((m) => ({
      ...restore(m.body),
      receipt: m.receipt,
      deliveryCount: m.deliveryCount,
      reconsumeTimes: m.reconsumeTimes,
    }));
  }

  async ack(topic: string, group: string, receipts: string[]): Promise<void> {
    await this.local.ack(topic, group, receipts);
  }

  async nack(
    topic: string,
    group: string,
    receipts: string[],
    options?: CallOptions & { delayMs?: number },
  ): Promise<void> {
    await this.local.nack(topic, group, receipts, options?.delayMs);
  }

  async extend(
    topic: string,
    group: string,
    receipts: string[],
    visibilityMs: number,
  ): Promise<void> {
    await this.local.extend(topic, group, receipts, visibilityMs);
  }

  /** Copies the remote message into the local retry log (idempotent per group and offset) and schedules its retry. */
  async sendBack(
    topic: string,
    group: string,
    { queueId, offset }: Pick<Message, "queueId" | "offset">,
    options: SendBackOptions = {},
  ): Promise<void> {
    await this.ensureTopic(topic);
    const { signal } = options;
    const read = await this.remote.read(topic, queueId, {
      from: offset,
      limit: 1,
      ...(signal ? { signal } : {}),
    });
    const message = read.messages[0];
    if (message?.offset !== offset)
      throw new EdgeqError("not_found", `no message at offset ${offset} of queue ${queueId}`);
    const [copy] = await this.local.send(topic, {
      producerId: `${group}.q${queueId}`,
      messages: [{ seq: offset + 1, body: keep(message) }],
    });
    if (copy?.offset === undefined)
      throw new EdgeqError("internal", "the local retry log lost track of its copy");
    await this.local.sendBack(topic, group, 0, copy.offset, options.delayMs);
  }

  async listDeadLetters(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number },
  ): Promise<DeadLetter[]> {
    await this.ensureTopic(topic);
    const dead = await this.local.listDeadLetters(topic, group, options?.limit);
    return dead.map((d) => ({
      ...d,
      message: { ...restore(d.message.body), reconsumeTimes: d.message.reconsumeTimes },
    }));
  }

  async redrive(
    topic: string,
    group: string,
    options?: CallOptions & { limit?: number; msgIds?: string[] },
  ): Promise<number> {
    await this.ensureTopic(topic);
    if (!options?.msgIds) return this.local.redrive(topic, group, options);
    // The app knows the remote ids; the local engine, its copies'.
    const wanted = new Set(options.msgIds);
    const copies = (await this.local.listDeadLetters(topic, group, 1000))
      .filter((d) => wanted.has(restore(d.message.body).msgId))
      .map((d) => d.message.msgId);
    return copies.length === 0 ? 0 : this.local.redrive(topic, group, { msgIds: copies });
  }

  /** The group leases locally: its settings are the local engine's. */
  async groupSettings(topic: string, group: string): Promise<GroupSettings> {
    await this.ensureTopic(topic);
    return this.local.groupSettings(topic, group);
  }

  async setGroupSettings(
    topic: string,
    group: string,
    settings: GroupSettings,
  ): Promise<GroupSettings> {
    await this.ensureTopic(topic);
    return this.local.setGroupSettings(topic, group, settings);
  }

  getMessage(topic: string, msgId: string, options?: CallOptions): Promise<Message> {
    return this.remote.getMessage(topic, msgId, options);
  }

  queryByKey(
    topic: string,
    key: string,
    options?: CallOptions & { limit?: number },
  ): Promise<Message[]> {
    return this.remote.queryByKey(topic, key, options);
  }

  stats(topic: string, options?: CallOptions): Promise<TopicStats> {
    return this.remote.stats(topic, options);
  }

  endTransaction(
    topic: string,
    txId: string,
    action: TransactionAction,
    options?: CallOptions,
  ): Promise<TransactionInfo> {
    return this.remote.endTransaction(topic, txId, action, options);
  }

  listTransactions(
    topic: string,
    filter?: { producerId?: string; state?: "unknown" | "pending" },
    options?: CallOptions,
  ): Promise<TransactionInfo[]> {
    return this.remote.listTransactions(topic, filter, options);
  }

  /** Runs the local engine's due work; needed only with an injected clock (tests), which does not tick by itself. */
  tick(): Promise<void> {
    return this.local.tick();
  }

  /** Stops the local engine's timers; the store stays open. */
  close(): Promise<void> {
    return this.local.close();
  }

  private ensureTopic(topic: string): Promise<void> {
    let ready = this.topics.get(topic);
    if (!ready) {
      ready = this.local
        .createTopic(topic, { queueCount: 1, ...this.retries })
        .then(async (config) => {
          // A topic kept from an earlier session has that session's settings.
          const { maxReconsumeTimes, retrySchedule } = this.retries;
          const changed =
            (maxReconsumeTimes !== undefined && maxReconsumeTimes !== config.maxReconsumeTimes) ||
            (retrySchedule !== undefined && retrySchedule.join() !== config.retrySchedule.join());
          if (changed) await this.local.updateTopic(topic, this.retries);
        })
        .catch((error: unknown) => {
          this.topics.delete(topic);
          throw error;
        });
      this.topics.set(topic, ready);
    }
    return ready;
  }
}

function offsetsKey(topic: string, group: string): string {
  return `offsets|${encodeStr(topic)}|${encodeStr(group)}`;
}
