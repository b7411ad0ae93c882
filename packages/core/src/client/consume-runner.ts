import type { LeasedMessage, Message } from "../model.js";
import type { Slots, Stopper } from "./concurrency.js";
import type { ProcessQueue } from "./process-queue.js";
import type { ConsumerErrorContext, ResolvedConsumerOptions } from "./push-consumer-options.js";
import { retryDelayAfter, withRetries } from "./retry.js";
import { tracedProcess } from "./trace.js";
import type { Transport } from "./transport.js";

type Outcome = "ok" | "failed" | "stopped";

/**
 * The message-level half of a PushConsumer: runs the handler within the
 * concurrency limit, keeps orderly keys in order, sends failures back and
 * settles leases. It decides when a message is done; the consumer's loops
 * decide what to read and what to commit.
 */
export class ConsumeRunner {
  readonly counters = { processed: 0, failed: 0, sentBack: 0 };
  /** Retry-queue messages leased and not yet settled. */
  leased = 0;
  /** Orderly mode: the tail of each key's chain of messages. */
  private readonly lanes = new Map<string, Promise<void>>();

  constructor(
    private readonly transport: Transport,
    private readonly o: ResolvedConsumerOptions,
    private readonly stopper: Stopper,
    private readonly slots: Slots,
    private readonly report: (error: unknown, context: ConsumerErrorContext) => void,
  ) {}

  /** Consumes a message read by offset; marks it done in `q` once handled or sent back. */
  consume(q: ProcessQueue, message: Message): Promise<void> {
    return this.o.orderly ? this.consumeOrderly(q, message) : this.consumeOne(q, message);
  }

  /**
   * Consumes a message from the retry queue: ack on success, nack on failure
   * (the broker schedules it again or dead-letters it). Here the lease, not
   * an offset, guards against loss: a message neither acked nor nacked
   * (handler running at a crash, ack lost) is delivered again when it expires.
   */
  async consumeLeased(message: LeasedMessage): Promise<void> {
    try {
      const outcome = await this.attempt(message);
      // "stopped": neither ack nor nack; the lease runs out and the message returns.
      if (outcome === "stopped") return;
      const { topic, group } = this.o;
      const receipts = [message.receipt];
      try {
        // No abort signal: a handler that finished during close() still gets
        // its ack, so the message is not delivered again.
        if (outcome === "ok") await this.transport.ack(topic, group, receipts);
        else {
          await this.transport.nack(topic, group, receipts, { delayMs: this.o.sendBackDelayMs });
          this.counters.sentBack++;
        }
      } catch (error) {
        // Not retried: the lease expiring redelivers the message, which is
        // what a lost ack or nack must lead to under at-least-once.
        const phase = outcome === "ok" ? "ack" : "nack";
        this.report(error, { phase, queueId: message.queueId, message });
      }
    } finally {
      this.leased--;
    }
  }

  private async consumeOne(q: ProcessQueue, message: Message): Promise<void> {
    const outcome = await this.attempt(message);
    if (outcome === "ok") q.done(message.offset);
    else if (outcome === "failed" && (await this.sendBack(message))) q.done(message.offset);
    // "stopped", or a send-back still failing at close: the message stays
    // unfinished, so no commit passes it and it is delivered again.
  }

  private consumeOrderly(q: ProcessQueue, message: Message): Promise<void> {
    const lane =
      message.key === undefined ? `${q.queueId}:queue` : `${q.queueId}:key:${message.key}`;
    // Chain behind the key's previous message: it starts only when that one
    // is done (or sent back), which keeps one key's messages in offset order.
    const run = (this.lanes.get(lane) ?? Promise.resolve()).then(() =>
      this.consumeInOrder(q, message),
    );
    this.lanes.set(lane, run);
    void run.then(() => {
      if (this.lanes.get(lane) === run) this.lanes.delete(lane);
    });
    return run;
  }

  private async consumeInOrder(q: ProcessQueue, message: Message): Promise<void> {
    // A predecessor left unfinished by close(): do not overtake it.
    if (this.stopper.stopped) return;
    // Like RocketMQ's orderly consumer, retry in place (suspending the key)
    // rather than send back at once: a sent-back message would come back
    // after its successors and break the key's order. Each local retry counts
    // in `reconsumeTimes`, as RocketMQ counts them.
    for (let retry = 0; ; retry++) {
      const attempt = { ...message, reconsumeTimes: message.reconsumeTimes + retry };
      const outcome = await this.attempt(attempt);
      if (outcome === "ok") return q.done(message.offset);
      if (outcome === "stopped") return;
      if (retry >= this.o.maxLocalRetries) break;
      const delay = retryDelayAfter(undefined, retry, this.o.backoff);
      if (!(await this.stopper.pause(this.o.sleep, delay))) return;
    }
    if (await this.sendBack(message)) q.done(message.offset);
  }

  /** Runs the handler in a concurrency slot. */
  private async attempt(message: Message): Promise<Outcome> {
    try {
      await this.slots.acquire();
    } catch {
      return "stopped";
    }
    try {
      await this.stopper.run((signal) =>
        tracedProcess(message, this.o.group, async () => this.o.handler(message, { signal })),
      );
      this.counters.processed++;
      return "ok";
    } catch (error) {
      // A failure once close() began may be the handler obeying the signal:
      // do not count it against the message; it is delivered again instead.
      if (this.stopper.stopped) return "stopped";
      this.counters.failed++;
      this.report(error, { phase: "handler", queueId: message.queueId, message });
      return "failed";
    } finally {
      this.slots.release();
    }
  }

  /**
   * Hands a failed message to the group's retry queue (C3 in docs/architecture.md), trying
   * until the broker takes it (C4). Until then the message stays unfinished:
   * committing past it while the broker has no retry copy would lose it if
   * this consumer crashed. Returns false if the consumer closed first.
   */
  private async sendBack(message: Message): Promise<boolean> {
    const { topic, group, sendBackDelayMs: delayMs, sleep, backoff } = this.o;
    const { queueId, offset } = message;
    try {
      await this.stopper.run((signal) =>
        withRetries(
          () => this.transport.sendBack(topic, group, { queueId, offset }, { delayMs, signal }),
          {
            signal,
            sleep,
            backoff,
            // Every failure, not only retryable ones: until the broker has a
            // retry copy, the message must stay unfinished, whatever it said.
            retryIf: () => true,
            onRetry: (error) => this.report(error, { phase: "send_back", queueId, message }),
          },
        ),
      );
      this.counters.sentBack++;
      return true;
    } catch {
      // Only a stop ends the retries: the consumer closed first.
      return false;
    }
  }
}
