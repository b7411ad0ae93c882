import { type Clock, systemClock } from "../../clock.js";
import { assertIntInRange, assertName } from "../../engine/validate.js";
import { EdgeqError, isEdgeqError } from "../../errors.js";
import type { SendResult } from "../../model.js";
import type { Store, StoreTransaction } from "../../store/store.js";
import {
  type BackoffOptions,
  classifyFailure,
  pause,
  retryAfterMs,
  retryDelayAfter,
  sleep,
} from "../retry.js";
import type { Transport } from "../transport.js";
import {
  type DeliveredMessage,
  type ErrorSummary,
  fromDeadRecord,
  isExpired,
  type LocalDeadLetter,
  messageId,
  type PendingMessage,
  ProducerKeys,
  type QueuedMessage,
  toDeadRecord,
  toOutgoing,
} from "./log-records.js";
import {
  type Completion,
  type DurableSend,
  type LocalDeadLetters,
  type LogAppend,
  ProducerLog,
} from "./producer-log.js";
import { Wakeup } from "./wakeup.js";

/** Where a durable producer's sync loop is; hosts show it to people. */
export type SyncState =
  /** Nothing to send, or waiting for the next trigger. */
  | "idle"
  | "syncing"
  /** The last attempt failed; waiting out the backoff or `Retry-After`. */
  | "backoff"
  /** The broker refused the credentials (401/403): waiting for new ones. */
  | "paused"
  /** The host reports no network. */
  | "offline"
  /** The sync loop is not running here (another tab of the browser runs it). */
  | "standby"
  | "closed";

/** What the sync loop reports as it goes; hosts turn these into events. */
export interface DurableProducerHooks {
  /** The sync loop's state changed (with the failure that caused it, if one did). */
  state?(state: SyncState, error?: ErrorSummary): void;
  /** How many messages are on the wire now. */
  inFlight?(count: number): void;
  /** The broker acknowledged these messages (stored, or duplicates of stored ones). */
  delivered?(messages: DeliveredMessage[]): void;
  /** The broker refused a message for good; it is kept as a local dead letter. */
  deadLettered?(deadLetter: LocalDeadLetter): void;
}

/** What a durable producer sends, where, and at what pace. */
export interface DurableProducerOptions {
  /** The topic every message goes to. */
  topic: string;
  /** Delivers batches: HTTP, RPC or in-process, all the same. */
  transport: Pick<Transport, "send">;
  /** Prefix of the producer's records in the store, so one store can hold several. Default `producer`. */
  name?: string;
  /** Messages per request. Default 100 (the protocol allows 1000). */
  batchSize?: number;
  /** Bytes of JSON per request, roughly. Default 1 MiB (the protocol allows 4 MiB). */
  maxBatchBytes?: number;
  /** Sync at least this often while something is pending. Default 30 s. */
  syncIntervalMs?: number;
  /** Retry pacing after failures. Default base 500 ms, at most 60 s. */
  backoff?: BackoffOptions;
  /** Whether the host believes it is online. Default: always. */
  isOnline?: () => boolean;
  /**
   * Keep the broker's answers (msgId, offset) for about this many of the
   * latest acknowledged messages, for `inspectProducer`'s lookups. Default 500, at least 1.
   */
  keepAcknowledged?: number;
  /**
   * How long a message may wait in the local log to be sent (a message's own
   * `maxRetentionMs` overrides it), fixed when it is sent. Past it, the
   * message is never sent: it becomes a local dead letter with reason
   * `expired`. Default: no limit.
   */
  maxRetentionMs?: number;
  /** Timestamps of queued and handled messages. Default: the system clock. */
  clock?: Clock;
  hooks?: DurableProducerHooks;
}

/**
 * The broker's answers are written together, up to this many messages'
 * worth: one durable write per several batches, not one per batch.
 */
const ANSWERS_PER_WRITE = 1000;

/**
 * An answer waits at most this long for the next ones (a stalled or slow
 * link): it delays the `delivered` hook and a crash's resends by at most this.
 */
const ANSWER_WRITE_DELAY_MS = 200;

const DEFAULTS = {
  name: "producer",
  batchSize: 100,
  maxBatchBytes: 1024 * 1024,
  syncIntervalMs: 30_000,
  backoff: { baseMs: 500, maxMs: 60_000 },
} as const;

interface Flush {
  target: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** The stats of a durable producer, read from its store. */
export interface DurableProducerStats {
  producerId: string;
  /** Durable locally, not yet acknowledged by the broker (or dead-lettered). */
  pending: number;
  /** Acknowledged by the broker since the producer was created. */
  acknowledged: number;
  deadLetters: number;
  /** When a batch was last acknowledged. */
  lastSync: number | undefined;
}

/**
 * A producer that is durable before the network (P1 and S in docs/architecture.md): `send`
 * resolves once the message is in the local log of a `Store` (IndexedDB, a
 * Durable Object's SQLite, memory), and the sync loop delivers the log to the
 * broker in seq order, in batches, under one durable producer id. A batch
 * leaves the log only after the broker's per-message answers are recorded; a
 * batch whose answer never came is sent again as it is, and the broker
 * answers `duplicate` for what it has. Failures follow the one policy of
 * `classifyFailure`: retried with backoff (Retry-After is a floor), refused
 * messages isolated into local dead letters, credentials problems paused
 * until `resumeAuth` or an urgent wake.
 */
export class DurableProducer {
  readonly producerId: string;
  readonly topic: string;
  /** Messages the broker refused for good, kept with the reason. */
  readonly deadLetters: LocalDeadLetters;
  /** @internal The local log (for `inspectProducer`). */
  readonly log: ProducerLog;
  /** @internal Seqs of the batch on the wire now, in this runner. */
  sending: { from: number; to: number } | undefined;
  private readonly wakeup = new Wakeup();
  private readonly flushes = new Set<Flush>();
  private readonly hooks: DurableProducerHooks;
  private readonly clock: Clock;
  private authPaused = false;
  /** While set, batches hold one message, to find which one the broker refuses. */
  private isolateUntil = 0;
  private running: AbortController | undefined;
  private closed = false;
  /**
   * The broker's answers not yet written. They are recorded together (see
   * `ANSWERS_PER_WRITE`), while the next batches are on the wire: the drain
   * pays for one round trip per batch, and a durable write per several. A
   * crash before the write sends those batches again, which the broker
   * answers `duplicate`, as for a lost answer.
   */
  private unwritten: (Completion & { delivered: DeliveredMessage[] }) | undefined;
  private answerTimer: ReturnType<typeof setTimeout> | undefined;
  /** The writes of answers, chained in seq order (progress stays a prefix). */
  private completing: Promise<void> | undefined;
  /** One of them failed: the next round settles first, and backs off. */
  private answersFailed = false;
  /** The last seq answered, written or not: while answers are outstanding, the next batch starts after it. */
  private answeredThrough = 0;

  private constructor(
    readonly store: Store,
    log: ProducerLog,
    private readonly options: DurableProducerOptions,
  ) {
    this.log = log;
    this.producerId = log.producerId;
    this.deadLetters = log.deadLetters;
    this.topic = options.topic;
    this.hooks = options.hooks ?? {};
    this.clock = options.clock ?? systemClock;
  }

  /** Opens the producer over `store`, minting its durable id on first use. */
  static async open(store: Store, options: DurableProducerOptions): Promise<DurableProducer> {
    const name = options.name ?? DEFAULTS.name;
    assertName("name", name);
    if (options.maxRetentionMs !== undefined)
      assertIntInRange("maxRetentionMs", options.maxRetentionMs, 1, Number.MAX_SAFE_INTEGER);
    const keys = new ProducerKeys(name);
    const clock = options.clock ?? systemClock;
    const producerId = await ProducerLog.identity(store, keys, () => `dp-${crypto.randomUUID()}`);
    return new DurableProducer(
      store,
      new ProducerLog(
        store,
        keys,
        producerId,
        () => clock.now(),
        options.keepAcknowledged,
        options.maxRetentionMs,
      ),
      options,
    );
  }

  /** Resolves once the messages are durable in the store, in one record with every send of the same tick. */
  async send(messages: readonly DurableSend[]): Promise<QueuedMessage[]> {
    this.assertOpen();
    if (messages.length === 0) return [];
    const queued = await this.log.append(messages);
    this.wake(false);
    return queued;
  }

  /**
   * Appends inside a transaction of the store that the caller owns (the
   * transactional outbox: the app's writes and its messages commit
   * together). Call `wake()` once the transaction committed.
   */
  beginAppend(tx: StoreTransaction): Promise<LogAppend> {
    this.assertOpen();
    return this.log.beginAppend(tx);
  }

  /**
   * Runs the sync loop until `signal` aborts (hosts that elect one runner, as
   * browser tabs do, call this in the elected one), or until `close()`.
   */
  async run(signal?: AbortSignal): Promise<void> {
    this.assertOpen();
    if (this.running) throw new EdgeqError("conflict", "the sync loop is running already");
    const controller = new AbortController();
    this.running = controller;
    const stop = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", stop, { once: true });
    try {
      await this.loop(controller.signal);
    } finally {
      signal?.removeEventListener("abort", stop);
      // The last answer's write ends with the run: the next runner reads the log as it is.
      await this.settle().catch(() => undefined);
      this.running = undefined;
      this.hooks.inFlight?.(0);
    }
  }

  /** Runs the sync loop in the background until `close()`. */
  start(): void {
    if (!this.running && !this.closed) void this.run();
  }

  /** Something changed: look at the log now. An urgent wake also cuts a backoff or an auth pause short. */
  wake(urgent = false): void {
    if (urgent) this.authPaused = false;
    this.wakeup.wake(urgent);
  }

  /** New credentials: a loop paused on 401/403 tries again. */
  resumeAuth(): void {
    this.wake(true);
  }

  /**
   * Resolves when everything sent before the call is acknowledged or
   * dead-lettered; rejects with the reason of the next failed sync attempt.
   * Someone must be syncing: this producer (`start`, `run`), or another
   * runner over the same storage that reports progress (`progressed`).
   */
  async flush(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen();
    options.signal?.throwIfAborted();
    const target = (await this.log.producer()).nextSeq - 1;
    const done = new Promise<void>((resolve, reject) => {
      const flush: Flush = {
        target,
        resolve: () => {
          this.flushes.delete(flush);
          resolve();
        },
        reject: (error) => {
          this.flushes.delete(flush);
          reject(error);
        },
      };
      this.flushes.add(flush);
      options.signal?.addEventListener("abort", () => flush.reject(options.signal?.reason), {
        once: true,
      });
    });
    await this.progressed();
    this.wake(true);
    return done;
  }

  /**
   * Progress was made (here, or by another runner over the same storage):
   * settle the flushes it covers. `doneSeq`, when the caller just wrote it,
   * saves reading it back.
   */
  async progressed(doneSeq?: number): Promise<void> {
    if (this.flushes.size === 0) return;
    doneSeq ??= (await this.log.progress()).doneSeq;
    for (const f of [...this.flushes]) if (f.target <= doneSeq) f.resolve();
  }

  /** A sync attempt failed (here, or in another runner): pending flushes reject with it. */
  failFlushes(error: ErrorSummary): void {
    for (const f of [...this.flushes])
      f.reject(new EdgeqError(error.code, `sync failed: ${error.message}`));
  }

  /** Pending, delivered and dead-lettered counts, read from the store. */
  async stats(): Promise<DurableProducerStats> {
    const [producer, progress] = await Promise.all([this.log.producer(), this.log.progress()]);
    return {
      producerId: this.producerId,
      pending: producer.nextSeq - 1 - progress.doneSeq,
      acknowledged: progress.acknowledged,
      deadLetters: progress.deadLetters,
      lastSync: progress.lastSync,
    };
  }

  /** Stops the sync loop; pending messages stay in the store for next time. The store stays open. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const reason = new EdgeqError("closed", "the producer is closed");
    this.running?.abort(reason);
    for (const f of [...this.flushes]) f.reject(reason);
    this.hooks.state?.("closed");
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const o = this.options;
    const isOnline = o.isOnline ?? (() => true);
    const intervalMs = o.syncIntervalMs ?? DEFAULTS.syncIntervalMs;
    let attempt = 0;
    while (!signal.aborted) {
      if (this.authPaused) {
        await this.wakeup.wait(Number.POSITIVE_INFINITY, signal, true);
        continue;
      }
      if (!isOnline()) {
        this.report("offline");
        this.failFlushes(
          summarizeError(new EdgeqError("unavailable", "the network is offline"), this.clock.now()),
        );
        // Expiry goes on offline, so an app sees an expired message as such without a network.
        const nextExpiry = await this.expireDue().catch(() => undefined);
        const untilExpiry = nextExpiry === undefined ? intervalMs : nextExpiry - this.clock.now();
        await this.wakeup.wait(Math.max(0, Math.min(intervalMs, untilExpiry)), signal, true);
        continue;
      }
      this.wakeup.clear();
      try {
        attempt = await this.round(signal, attempt);
      } catch (localError) {
        if (signal.aborted) break;
        // The log is local storage, which may fail too (a full disk, a closed database):
        // the batch stays pending and goes again after a backoff; the broker answers
        // `duplicate` for what it already has.
        await this.backOff(localError, attempt++, signal);
      }
    }
  }

  /** Sends one batch and records the answer; returns the next backoff attempt number. */
  private async round(signal: AbortSignal, attempt: number): Promise<number> {
    const o = this.options;
    if (this.answersFailed) {
      this.answersFailed = false;
      await this.settle();
    }
    const max = this.isolateUntil > 0 ? 1 : (o.batchSize ?? DEFAULTS.batchSize);
    const pending = await this.log.pending(
      max,
      o.maxBatchBytes ?? DEFAULTS.maxBatchBytes,
      this.completing || this.unwritten ? this.answeredThrough : 0,
    );
    const now = this.clock.now();
    if (pending[0] && isExpired(pending[0], now)) {
      await this.expire(pending, now);
      return attempt;
    }
    // An expired message is never sent: the batch stops before it (the next round expires it).
    const cut = pending.findIndex((m) => isExpired(m, now));
    const batch = cut < 0 ? pending : pending.slice(0, cut);
    if (batch.length === 0) {
      await this.settle();
      this.report("idle");
      await this.wakeup.wait(o.syncIntervalMs ?? DEFAULTS.syncIntervalMs, signal);
      return attempt;
    }
    this.report("syncing");
    this.sending = { from: batch[0]!.seq, to: batch[batch.length - 1]!.seq };
    this.hooks.inFlight?.(batch.length);
    let results: SendResult[];
    try {
      const request = { producerId: this.producerId, messages: batch.map(toOutgoing) };
      results = await o.transport.send(this.topic, request, { signal });
    } catch (error) {
      if (signal.aborted) return attempt;
      const kind = classifyFailure(error);
      const summary = summarizeError(error, this.clock.now());
      if (kind === "refused" && batch.length > 1) {
        // One of them is refused: send one by one, so the others still go through.
        this.isolateUntil = batch[batch.length - 1]!.seq;
      } else if (kind === "refused") {
        await this.deadLetter(batch[0]!, summary);
      } else if (kind === "auth") {
        this.authPaused = true;
        this.report("paused", summary);
      } else {
        // `retry`, or `closed`: a broker shut down now may be back later; the messages wait.
        await this.backOff(error, attempt, signal);
        return attempt + 1;
      }
      return attempt;
    } finally {
      this.sending = undefined;
      this.hooks.inFlight?.(0);
    }
    this.acknowledge(batch, results);
    return 0;
  }

  private async backOff(error: unknown, attempt: number, signal: AbortSignal): Promise<void> {
    const delay = retryDelayAfter(error, attempt, this.options.backoff ?? DEFAULTS.backoff);
    this.report("backoff", summarizeError(error, this.clock.now()));
    // The broker's Retry-After is a floor no trigger may cut short; a plain backoff is not.
    if (retryAfterMs(error) > 0) await pause(sleep, delay, signal);
    else await this.wakeup.wait(delay, signal, true);
  }

  private report(state: SyncState, error?: ErrorSummary): void {
    this.hooks.state?.(state, error);
    if (error) this.failFlushes(error);
  }

  /**
   * Writes the answers not yet written, and waits for every answer's write.
   * When one failed, the read-ahead starts again from the stored progress, so
   * the batches it covered are sent again.
   */
  private async settle(): Promise<void> {
    this.writeAnswers();
    const completing = this.completing;
    if (!completing) return;
    try {
      await completing;
    } catch (error) {
      this.answeredThrough = 0;
      this.log.rewind();
      throw error;
    } finally {
      if (this.completing === completing) this.completing = undefined;
    }
  }

  private acknowledge(batch: PendingMessage[], results: SendResult[]): void {
    const bySeq = new Map(results.map((r) => [r.seq, r]));
    const delivered: DeliveredMessage[] = batch.map((m) => {
      const result = bySeq.get(m.seq);
      // An answer without every seq is no answer: send the batch again.
      if (!result)
        throw new EdgeqError("internal", `the broker's answer lacks seq ${m.seq}`, {
          details: { seq: m.seq },
        });
      return {
        id: messageId(this.producerId, m.seq),
        producerId: this.producerId,
        seq: m.seq,
        queuedAt: m.queuedAt,
        status: result.status,
        queueId: result.queueId,
        ...(result.msgId === undefined ? {} : { msgId: result.msgId }),
        ...(result.offset === undefined ? {} : { offset: result.offset }),
      };
    });
    const doneSeq = batch[batch.length - 1]!.seq;
    if (doneSeq >= this.isolateUntil) this.isolateUntil = 0;
    this.answeredThrough = doneSeq;
    const answers = this.unwritten ?? {
      doneSeq,
      acknowledged: 0,
      deadLetters: [],
      at: 0,
      delivered: [],
    };
    this.unwritten = answers;
    answers.doneSeq = doneSeq;
    answers.acknowledged += batch.length;
    answers.at = this.clock.now();
    for (const d of delivered) answers.delivered.push(d);
    // Answers that a waiting flush needs are written at once.
    if (
      answers.delivered.length >= ANSWERS_PER_WRITE ||
      [...this.flushes].some((f) => f.target <= doneSeq)
    )
      this.writeAnswers();
    else this.answerTimer ??= setTimeout(() => this.writeAnswers(), ANSWER_WRITE_DELAY_MS);
  }

  /** Starts the write of the answers not yet written, after the writes before it. */
  private writeAnswers(): void {
    if (this.answerTimer !== undefined) clearTimeout(this.answerTimer);
    this.answerTimer = undefined;
    const answers = this.unwritten;
    if (!answers) return;
    this.unwritten = undefined;
    const write = async () => {
      const written = await this.log.complete(answers);
      this.hooks.delivered?.(answers.delivered);
      // Not written: another runner completed further, so the stored progress says how far.
      await this.progressed(written ? answers.doneSeq : undefined);
    };
    // A failed write fails the ones after it: they would skip its answers.
    const completing = this.completing ? this.completing.then(write) : write();
    // Its failure is met by the next settle(); until then it must not count as unhandled
    // (a close while it is written fails it with "the database is closed").
    completing.catch(() => {
      this.answersFailed = true;
    });
    this.completing = completing;
  }

  /**
   * Expires the leading pending messages whose expiry has passed; returns
   * the expiry of the next pending one that has one (to wake up for it).
   */
  private async expireDue(): Promise<number | undefined> {
    const o = this.options;
    await this.settle();
    const pending = await this.log.pending(
      o.batchSize ?? DEFAULTS.batchSize,
      o.maxBatchBytes ?? DEFAULTS.maxBatchBytes,
    );
    const now = this.clock.now();
    const expired = await this.expire(pending, now);
    return pending.slice(expired).find((m) => m.expiresAt !== undefined)?.expiresAt;
  }

  /**
   * Moves the leading run of expired messages of `pending` to the local dead
   * letters, with reason `expired`, in one write (progress stays a prefix);
   * returns how many.
   */
  private async expire(pending: PendingMessage[], now: number): Promise<number> {
    const end = pending.findIndex((m) => !isExpired(m, now));
    const run = end < 0 ? pending : pending.slice(0, end);
    if (run.length === 0) return 0;
    await this.settle();
    const records = run.map((m) =>
      toDeadRecord(m, this.producerId, {
        code: "expired",
        message: `expired at ${new Date(m.expiresAt!).toISOString()}, before it could be sent`,
        at: now,
      }),
    );
    const written = await this.log.complete({
      doneSeq: run[run.length - 1]!.seq,
      acknowledged: 0,
      deadLetters: records,
      at: now,
    });
    if (written) for (const record of records) this.hooks.deadLettered?.(fromDeadRecord(record));
    await this.progressed();
    return run.length;
  }

  private async deadLetter(message: PendingMessage, reason: ErrorSummary): Promise<void> {
    await this.settle();
    const record = toDeadRecord(message, this.producerId, reason);
    await this.log.complete({
      doneSeq: message.seq,
      acknowledged: 0,
      deadLetters: [record],
      at: reason.at,
    });
    if (message.seq >= this.isolateUntil) this.isolateUntil = 0;
    this.hooks.deadLettered?.(fromDeadRecord(record));
    await this.progressed();
  }

  private assertOpen(): void {
    if (this.closed) throw new EdgeqError("closed", "the producer is closed");
  }
}

/** The part of an error worth keeping in stats and sending to other tabs. */
export function summarizeError(error: unknown, at: number): ErrorSummary {
  if (isEdgeqError(error)) {
    const status = error.details?.status;
    return {
      code: error.code,
      message: error.message,
      at,
      ...(typeof status === "number" ? { status } : {}),
    };
  }
  // Beneath the protocol (a fetch TypeError): the broker was not reached.
  return {
    code: "unavailable",
    message: error instanceof Error ? error.message : String(error),
    at,
  };
}
