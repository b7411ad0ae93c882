import { DurableObject } from "cloudflare:workers";
import { EdgeqError, type JsonValue, type Message } from "@edgeq/core";
import { normalizeAppend, QueueEngine, resolveTopicConfig } from "@edgeq/core/engine";
import { type Outcome, outcomeOf, unwrap } from "../shared/outcome.js";
import { streamObject } from "../shared/stream-ref.js";
import { ObjectHost } from "../store/object-host.js";
import {
  bodyOf,
  concatBytes,
  contentOf,
  fitRead,
  headOf,
  jsonArray,
  MAX_APPEND_BYTES,
  readFitting,
  sameTrace,
  traceOf,
} from "./stream-content.js";
import {
  expiryOf,
  isJsonType,
  type StreamRecord,
  sameConfig,
  sameMediaType,
} from "./stream-record.js";
import type {
  AppendContent,
  AppendOutcome,
  AppendRequest,
  CreateRequest,
  ForkGrant,
  ReadOutcome,
  ReadRequest,
  StreamState,
} from "./stream-types.js";

const RECORD_KEY = "stream|record";
const MAX_READ_APPENDS = 1000;
/** Wake-ups further off than this are not set: a later call re-arms before they come. */
const ALARM_HORIZON_MS = 10 * 365 * 24 * 3600 * 1000;

/**
 * The engine's settings for a stream's one queue: it keeps everything until
 * the stream is deleted or expires (no age or size retention), one append is
 * one message, and producers are remembered as long as any other topic's.
 */
const ENGINE_CONFIG = resolveTopicConfig({
  queueCount: 1,
  retentionMs: Number.MAX_SAFE_INTEGER,
  maxMessageBytes: MAX_APPEND_BYTES,
  // A fork copies its source's appends in batches; HTTP appends are one message each.
  maxBatchMessages: MAX_READ_APPENDS,
  maxBatchBytes: MAX_APPEND_BYTES,
});

interface Opened {
  record: StreamRecord;
  engine: QueueEngine;
}

/**
 * One Durable Stream: a SQLite-backed Durable Object holding the stream's
 * record (settings, closed, last `Stream-Seq`) and one core QueueEngine whose
 * commitlog is the stream. Each append is one edgeq message, so a stream
 * offset is the edgeq offset of the next append; `Producer-Id/Epoch/Seq` are
 * the engine's producer, epoch and seq, deduplicated by its producer window.
 *
 * Writes (create, append, close, delete) run one at a time, so the checks
 * they make (closed, content type, `Stream-Seq`) hold when they write.
 * Long-polls wait on the engine's own change signal and on this object's
 * close or delete, never on a timer loop.
 */
export class StreamDO extends DurableObject<Env> {
  /** Clock, alarm and the SQLite store that holds the stream's record and its engine. */
  readonly #host: ObjectHost;
  #opened: Promise<Opened | undefined> | undefined;
  #writes: Promise<unknown> = Promise.resolve();
  /** Long-polls waiting at the tail: a close or delete ends them at once. */
  readonly #waiting = new Set<AbortController>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#host = new ObjectHost(ctx.storage);
    // The runtime delivers no call before this settles: every method finds the store set.
    void ctx.blockConcurrencyWhile(() => this.#host.openStore());
  }

  /** `PUT`: creates the stream (a fork when `request.fork`), or finds it with the same settings. */
  create(request: CreateRequest): Promise<Outcome<{ created: boolean; state: StreamState }>> {
    return this.#write(async () => {
      const now = this.#host.takeTime();
      const existing = await this.#stream(now);
      if (existing) {
        if (existing.record.deleted || !sameConfig(existing.record, request))
          throw new EdgeqError("conflict", "the stream exists with other settings");
        return { created: false, state: this.#state(existing) };
      }
      const grant = request.fork ? await this.#borrow(request) : undefined;
      const expiry = request.ttlSeconds !== undefined || request.expiresAt !== undefined;
      const settings = grant && !expiry ? grant : request;
      const record: StreamRecord = {
        contentType: grant ? grant.contentType : request.contentType,
        ...(settings.ttlSeconds === undefined ? {} : { ttlSeconds: settings.ttlSeconds }),
        ...(settings.expiresAt === undefined ? {} : { expiresAt: settings.expiresAt }),
        incarnation: crypto.randomUUID().replaceAll("-", "").slice(0, 16),
        accessedAt: now,
        closed: false,
        forks: 0,
        ...(request.fork && grant
          ? { fork: request.fork, forkedFromIncarnation: grant.incarnation }
          : {}),
      };
      const opened = await this.#create(record);
      if (request.fork && grant) await this.#inherit(opened, request.fork.path, grant);
      if (request.content)
        await this.#appendContent(opened, request.content, undefined, request.trace);
      record.closed = request.closed;
      await this.#saveRecord(record);
      await this.#arm(opened);
      return { created: true, state: this.#state(opened) };
    });
  }

  /**
   * A new fork of this stream asks what it inherits: the settings, and its
   * end in this log. The fork is counted from here on, so deleting this
   * stream only marks it deleted until the fork goes too.
   */
  lendFork(fork: {
    offset?: number;
    subOffset?: number;
    contentType?: string;
  }): Promise<Outcome<ForkGrant>> {
    return this.#write(async () => {
      const opened = await this.#stream(this.#host.takeTime());
      if (!opened) throw new EdgeqError("not_found", "no such source stream");
      const { record, engine } = opened;
      if (record.deleted) throw new EdgeqError("conflict", "the source stream is deleted");
      if (fork.contentType !== undefined && !sameMediaType(fork.contentType, record.contentType))
        throw new EdgeqError("conflict", `the source's content type is ${record.contentType}`);
      const tail = engine.queueStats().headOffset;
      const end = fork.offset ?? tail;
      if (end > tail) throw new EdgeqError("invalid_request", "the fork offset is past the tail");
      const sub = fork.subOffset ?? 0;
      let partial: AppendContent | undefined;
      if (sub > 0) {
        const [message] = end < tail ? (await engine.read(end, 1)).messages : [];
        if (!message) throw new EdgeqError("invalid_request", "no append at the fork offset");
        partial = headOf(contentOf(message), sub);
      }
      record.forks++;
      await this.#saveRecord(record);
      return {
        contentType: record.contentType,
        ...(record.ttlSeconds === undefined ? {} : { ttlSeconds: record.ttlSeconds }),
        ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
        incarnation: record.incarnation,
        end,
        ...(partial ? { partial } : {}),
      };
    });
  }

  /** Appends `[from, to)` as they were appended, a read's worth at a time (a fork copying them). */
  async readAppends(
    from: number,
    to: number,
  ): Promise<Outcome<{ contents: AppendContent[]; next: number }>> {
    return outcomeOf(async () => {
      const opened = await this.#stream(this.#host.takeTime());
      if (!opened) throw new EdgeqError("not_found", "no such source stream");
      // A page is one append batch on the fork: at most MAX_APPEND_BYTES in
      // UTF-8, and a UTF-16 unit is up to 3 bytes there.
      const kept = await readFitting(
        (at, limit) => opened.engine.read(at, limit),
        from,
        Math.min(MAX_READ_APPENDS, to - from),
        MAX_APPEND_BYTES / 3,
      );
      return { contents: kept.map(contentOf), next: from + kept.length };
    });
  }

  /** A fork of this stream (of incarnation `incarnation`) is gone; the last one purges a deleted stream. */
  releaseFork(incarnation: string): Promise<Outcome<void>> {
    return this.#write(async () => {
      const opened = await this.#stream(this.#host.takeTime());
      if (!opened || opened.record.incarnation !== incarnation) return;
      const { record } = opened;
      record.forks = Math.max(0, record.forks - 1);
      if (record.deleted && record.forks === 0) await this.#purge(record);
      else await this.#saveRecord(record);
    });
  }

  /** `POST`: appends (once per producer seq), and or closes the stream. */
  append(request: AppendRequest): Promise<Outcome<AppendOutcome>> {
    return this.#write(async () => {
      const now = this.#host.takeTime();
      const opened = await this.#existing(now);
      const { record, engine } = opened;
      const { producer } = request;
      // A producer's retry is answered first, whatever changed since (closed, Stream-Seq).
      if (producer) {
        const session = await engine.producerSession(producer.id, producer.epoch, producer.seq);
        if (session.status === "duplicate")
          return { status: "duplicate", producerSeq: session.lastSeq, state: this.#state(opened) };
      }
      if (record.closed && request.content !== undefined)
        throw new EdgeqError("conflict", "the stream is closed", {
          details: { closed: true, tail: engine.queueStats().headOffset },
        });
      record.accessedAt = now;
      if (request.content === undefined) {
        // Close only: idempotent, and the content type does not matter.
        const closing = !record.closed;
        record.closed = true;
        await this.#saveRecord(record);
        if (closing) this.#wakeAll();
        await this.#arm(opened);
        return { status: "stored", state: this.#state(opened) };
      }
      if (
        request.contentType === undefined ||
        !sameMediaType(request.contentType, record.contentType)
      )
        throw new EdgeqError(
          "conflict",
          `the stream's content type is ${record.contentType}, not ${request.contentType}`,
        );
      if (
        request.streamSeq !== undefined &&
        record.streamSeq !== undefined &&
        request.streamSeq <= record.streamSeq
      )
        throw new EdgeqError(
          "conflict",
          `Stream-Seq ${request.streamSeq} is not after ${record.streamSeq}`,
        );
      const status = await this.#appendContent(opened, request.content, producer, request.trace);
      if (request.streamSeq !== undefined) record.streamSeq = request.streamSeq;
      if (request.close) record.closed = true;
      // Written in the same turn as the append, with no I/O between: the
      // object's write coalescing commits both together or neither. A plain
      // append changes nothing the record keeps (but a TTL's last access).
      if (request.streamSeq !== undefined || request.close || record.ttlSeconds !== undefined)
        await this.#saveRecord(record);
      if (request.close) this.#wakeAll();
      await this.#arm(opened);
      return { status, state: this.#state(opened) };
    });
  }

  /** `GET`: appends from an offset; at the tail, waits up to `waitMs` for one. */
  async read(request: ReadRequest): Promise<Outcome<ReadOutcome>> {
    return outcomeOf(async () => {
      const now = this.#host.takeTime();
      const opened = await this.#existing(now);
      await this.#touch(opened, now);
      const tail = opened.engine.queueStats().headOffset;
      const from = request.from === "now" ? tail : request.from;
      if (from > tail) throw new EdgeqError("invalid_request", "offset is past the stream's tail");
      let messages: Message[] = [];
      if (from < tail) {
        messages = await readFitting(
          (at, limit) => opened.engine.read(at, limit),
          from,
          MAX_READ_APPENDS,
        );
      } else if (request.waitMs > 0 && !opened.record.closed) {
        messages = fitRead(await this.#waitAtTail(opened, from, request.waitMs));
      }
      // A stream deleted meanwhile answers as gone.
      const current = await this.#existing(this.#host.takeTime());
      const json = isJsonType(current.record.contentType);
      const kept = sameTrace(messages);
      const trace = kept[0] ? traceOf(kept[0]) : undefined;
      return {
        state: this.#state(current),
        from,
        next: from + kept.length,
        body: json ? jsonArray(kept) : concatBytes(kept),
        ...(trace ? { trace } : {}),
      };
    });
  }

  /** `HEAD`: the stream's settings and tail. */
  async head(): Promise<Outcome<StreamState>> {
    return outcomeOf(async () => this.#state(await this.#existing(this.#host.takeTime())));
  }

  /** `DELETE`: purges the stream, or only marks it deleted while forks of it live. */
  remove(): Promise<Outcome<void>> {
    return this.#write(async () => {
      const { record } = await this.#existing(this.#host.takeTime());
      if (record.forks > 0) {
        // Forks hold their own copies; the name stays taken until the last one goes.
        record.deleted = true;
        await this.#saveRecord(record);
        this.#wakeAll();
      } else await this.#purge(record);
    });
  }

  /** Expires the stream when its time comes, and runs the engine's timed work. */
  override async alarm(): Promise<void> {
    const now = this.#host.alarmFired();
    const opened = await this.#stream(now);
    if (!opened) return;
    await opened.engine.tick();
    await this.#arm(opened);
  }

  /** Runs one write after the ones before it; errors come back as data. */
  #write<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
    const run = this.#writes.then(() => outcomeOf(fn));
    this.#writes = run;
    return run;
  }

  async #existing(now: number): Promise<Opened> {
    const opened = await this.#stream(now);
    if (!opened) throw new EdgeqError("not_found", "no such stream");
    if (opened.record.deleted)
      throw new EdgeqError("gone", "the stream is deleted (its forks still live)");
    return opened;
  }

  /** Asks the source of a fork for its grant (counting the fork there). */
  async #borrow(request: CreateRequest): Promise<ForkGrant> {
    const fork = request.fork!;
    return unwrap(
      await streamObject(this.env, fork.path).lendFork({
        ...(fork.offset === undefined ? {} : { offset: fork.offset }),
        ...(fork.subOffset === undefined ? {} : { subOffset: fork.subOffset }),
        ...(request.explicitType ? { contentType: request.contentType } : {}),
      }),
    );
  }

  /** Copies the source's appends up to the grant's end, then its partial append, into this log. */
  async #inherit(opened: Opened, source: string, grant: ForkGrant): Promise<void> {
    const stub = streamObject(this.env, source);
    for (let at = 0; at < grant.end; ) {
      const page = unwrap(await stub.readAppends(at, grant.end));
      if (page.next === at)
        throw new EdgeqError("internal", "the source stopped short of the fork");
      const batch = normalizeAppend(
        { messages: page.contents.map((content) => ({ body: bodyOf(content) })) },
        ENGINE_CONFIG,
        this.#host.clock.now(),
      );
      await opened.engine.append(batch);
      at = page.next;
    }
    if (grant.partial) await this.#appendContent(opened, grant.partial, undefined, undefined);
  }

  /** Deletes the stream for good, and tells its source (if a fork) it is gone. */
  async #purge(record: StreamRecord): Promise<void> {
    await this.#deleteAll();
    if (record.fork && record.forkedFromIncarnation !== undefined) {
      const released = await streamObject(this.env, record.fork.path).releaseFork(
        record.forkedFromIncarnation,
      );
      if (!released.ok) console.warn("edgeq: a fork's source was not told", released.error);
    }
  }

  /** The stream, or undefined when there is none; an expired one is deleted on the way. */
  async #stream(now: number): Promise<Opened | undefined> {
    this.#opened ??= this.ctx.blockConcurrencyWhile(async () => {
      const record = (await this.#host.store.get(RECORD_KEY)) as StreamRecord | undefined;
      return record ? this.#openEngine(structuredClone(record)) : undefined;
    });
    const opened = await this.#opened.catch((error: unknown) => {
      this.#opened = undefined;
      throw error;
    });
    if (opened && (expiryOf(opened.record) ?? Number.POSITIVE_INFINITY) <= now) {
      await this.#purge(opened.record);
      return undefined;
    }
    return opened;
  }

  async #openEngine(record: StreamRecord): Promise<Opened> {
    const engine = await QueueEngine.open(this.#host.store, {
      topic: "stream",
      queueId: 0,
      config: ENGINE_CONFIG,
      clock: this.#host.clock,
      indexKeys: false,
    });
    return { record, engine };
  }

  async #create(record: StreamRecord): Promise<Opened> {
    await this.#saveRecord(record);
    const opened = await this.#openEngine(record);
    this.#opened = Promise.resolve(opened);
    return opened;
  }

  async #saveRecord(record: StreamRecord): Promise<void> {
    await this.#host.store.write([
      { type: "put", key: RECORD_KEY, value: { ...record } as unknown as JsonValue },
    ]);
  }

  /** A read renews a `Stream-TTL` (it runs from the last read or write). */
  async #touch(opened: Opened, now: number): Promise<void> {
    if (opened.record.ttlSeconds === undefined) return;
    opened.record.accessedAt = now;
    await this.#saveRecord(opened.record);
    await this.#arm(opened);
  }

  async #appendContent(
    opened: Opened,
    content: AppendContent,
    producer: AppendRequest["producer"],
    trace: AppendRequest["trace"],
  ): Promise<"stored" | "duplicate"> {
    const body = bodyOf(content);
    const batch = normalizeAppend(
      {
        ...(producer ? { producerId: producer.id, producerEpoch: producer.epoch } : {}),
        messages: [
          {
            body,
            ...(producer ? { seq: producer.seq } : {}),
            // The append's trace context, kept as its message's headers (docs/protocol.md).
            ...(trace ? { headers: { ...trace } } : {}),
          },
        ],
      },
      ENGINE_CONFIG,
      this.#host.clock.now(),
    );
    const [result] = await opened.engine.append(batch);
    return result?.status === "duplicate" ? "duplicate" : "stored";
  }

  async #waitAtTail(opened: Opened, from: number, waitMs: number): Promise<Message[]> {
    const stop = new AbortController();
    this.#waiting.add(stop);
    try {
      const result = await opened.engine.read(from, MAX_READ_APPENDS, undefined, {
        waitMs,
        signal: stop.signal,
      });
      return result.messages;
    } catch (error) {
      // Deleted while waiting: the engine closed under the read.
      if (stop.signal.aborted) return [];
      throw error;
    } finally {
      this.#waiting.delete(stop);
    }
  }

  #wakeAll(): void {
    for (const waiter of this.#waiting) waiter.abort();
  }

  async #deleteAll(): Promise<void> {
    const opened = await this.#opened;
    this.#opened = Promise.resolve(undefined);
    this.#wakeAll();
    await opened?.engine.close();
    await this.#host.wipe();
  }

  /** The alarm at the earlier of the stream's expiry and the engine's next timed work. */
  #arm(opened: Opened): Promise<void> {
    // Retention never comes due (its wake-up is the far future, past what alarms take).
    return this.#host.arm(
      [expiryOf(opened.record), opened.engine.nextWakeUp()],
      this.#host.clock.now() + ALARM_HORIZON_MS,
    );
  }

  #state(opened: Opened): StreamState {
    const { record } = opened;
    return {
      contentType: record.contentType,
      ...(record.ttlSeconds === undefined ? {} : { ttlSeconds: record.ttlSeconds }),
      ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
      incarnation: record.incarnation,
      tail: opened.engine.queueStats().headOffset,
      closed: record.closed,
    };
  }
}
