import {
  type BackoffOptions,
  EdgeqError,
  isEdgeqError,
  type OutgoingMessage,
  pause,
  retryAfterMs,
  retryDelayAfter,
  type SendResult,
  sleep,
  type Transport,
} from "@edgeq/core";
import type { OutboxLog } from "../outbox/outbox-log.js";
import { type LoggedMessage, messageId } from "../outbox/schema.js";
import type { Delivered, OutboxDeadLetter, OutboxStats, SyncState } from "../outbox/types.js";
import { classifyFailure } from "./classify.js";
import { describeError } from "./describe-error.js";
import { Wakeup } from "./wakeup.js";

export interface SyncLoopOptions {
  topic: string;
  producerId: string;
  batchSize: number;
  maxBatchBytes: number;
  intervalMs: number;
  backoff: BackoffOptions;
  /** Whether the browser believes it is online (`navigator.onLine`). */
  isOnline: () => boolean;
}

/** What the loop reports; the Outbox turns these into events and broadcasts. */
export interface SyncHooks {
  state(state: SyncState, error?: OutboxStats["lastError"]): void;
  inFlight(count: number): void;
  delivered(messages: Delivered[]): void;
  deadLettered(deadLetter: OutboxDeadLetter): void;
}

/**
 * The sync loop (DESIGN §3): sends the local log to the broker in seq order,
 * in batches, as the outbox's durable producer. A batch leaves the log only
 * after the broker's per-message answers are recorded; a batch whose answer
 * never came is sent again as is, and the broker answers `duplicate` for what
 * it already has. Only one loop runs per outbox across tabs (the Outbox holds
 * a Web Lock while this runs).
 */
export class SyncLoop {
  readonly wakeup = new Wakeup();
  private authPaused = false;
  /** While set, batches hold one message, to find which one the broker refuses. */
  private isolateUntil = 0;

  constructor(
    private readonly log: OutboxLog,
    private readonly transport: Pick<Transport, "send">,
    private readonly options: SyncLoopOptions,
    private readonly hooks: SyncHooks,
  ) {}

  /** The token changed: a loop paused on 401/403 tries again. */
  resumeAuth(): void {
    this.authPaused = false;
    this.wakeup.wake(true);
  }

  async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      if (this.authPaused) {
        await this.wakeup.wait(Number.POSITIVE_INFINITY, signal, true);
        continue;
      }
      if (!this.options.isOnline()) {
        this.hooks.state("offline");
        await this.wakeup.wait(this.options.intervalMs, signal, true);
        continue;
      }
      this.wakeup.clear();
      const max = this.isolateUntil > 0 ? 1 : this.options.batchSize;
      const batch = await this.log.pending(max, this.options.maxBatchBytes);
      if (batch.length === 0) {
        this.hooks.state("idle");
        await this.wakeup.wait(this.options.intervalMs, signal);
        continue;
      }
      this.hooks.state("syncing");
      this.hooks.inFlight(batch.length);
      try {
        const results = await this.transport.send(
          this.options.topic,
          { producerId: this.options.producerId, messages: batch.map(toOutgoing) },
          { signal },
        );
        await this.acknowledge(batch, results);
        attempt = 0;
      } catch (error) {
        if (signal.aborted) break;
        const kind = classifyFailure(error);
        const summary = describeError(error);
        if (kind === "permanent" && batch.length > 1) {
          // One of them is refused: resend one by one, so the others still go through.
          this.isolateUntil = batch[batch.length - 1]!.seq;
          continue;
        }
        if (kind === "permanent") {
          await this.deadLetter(batch[0]!, error);
          continue;
        }
        if (kind === "auth") {
          this.authPaused = true;
          this.hooks.state("paused", summary);
          continue;
        }
        const delay = retryDelayAfter(error, attempt++, this.options.backoff);
        this.hooks.state("backoff", summary);
        // The broker's Retry-After is a floor no trigger may cut short; a plain backoff is not.
        if (retryAfterMs(error) > 0) await pause(sleep, delay, signal);
        else await this.wakeup.wait(delay, signal, true);
      } finally {
        this.hooks.inFlight(0);
      }
    }
  }

  private async acknowledge(batch: LoggedMessage[], results: SendResult[]): Promise<void> {
    const bySeq = new Map(results.map((r) => [r.seq, r]));
    const delivered: Delivered[] = batch.map((m) => {
      const result = bySeq.get(m.seq);
      // An answer without every seq is no answer: send the batch again.
      if (!result)
        throw new EdgeqError("internal", `the broker's answer lacks seq ${m.seq}`, {
          details: { seq: m.seq },
        });
      return {
        id: messageId(this.options.producerId, m.seq),
        producerId: this.options.producerId,
        seq: m.seq,
        queuedAt: m.queuedAt,
        status: result.status,
        queueId: result.queueId,
        ...(result.msgId === undefined ? {} : { msgId: result.msgId }),
        ...(result.offset === undefined ? {} : { offset: result.offset }),
      };
    });
    const doneSeq = batch[batch.length - 1]!.seq;
    await this.log.complete({
      doneSeq,
      acknowledged: batch.length,
      deadLetters: [],
      at: Date.now(),
    });
    if (doneSeq >= this.isolateUntil) this.isolateUntil = 0;
    this.hooks.delivered(delivered);
  }

  private async deadLetter(message: LoggedMessage, error: unknown): Promise<void> {
    const deadLetter: OutboxDeadLetter = {
      id: messageId(this.options.producerId, message.seq),
      seq: message.seq,
      body: message.body,
      options: message.options,
      queuedAt: message.queuedAt,
      failedAt: Date.now(),
      reason: {
        ...describeError(error),
        ...(isEdgeqError(error) && typeof error.details?.status === "number"
          ? { status: error.details.status }
          : {}),
      },
    };
    await this.log.complete({
      doneSeq: message.seq,
      acknowledged: 0,
      deadLetters: [deadLetter],
      at: deadLetter.failedAt,
    });
    if (message.seq >= this.isolateUntil) this.isolateUntil = 0;
    this.hooks.deadLettered(deadLetter);
  }
}

function toOutgoing(message: LoggedMessage): OutgoingMessage {
  return { seq: message.seq, body: message.body, ...message.options };
}
