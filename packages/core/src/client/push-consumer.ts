import { EdgeqError, isEdgeqError } from "../errors.js";
import type { LeasedMessage, Message } from "../model.js";
import { Slots, Stopper } from "./concurrency.js";
import { ConsumeRunner } from "./consume-runner.js";
import { ProcessQueue } from "./process-queue.js";
import {
  type ConsumerErrorContext,
  type PushConsumerOptions,
  type PushConsumerStats,
  type ResolvedConsumerOptions,
  resolveConsumerOptions,
} from "./push-consumer-options.js";
import { pause, retryDelayAfter, withRetries } from "./retry.js";
import type { Transport } from "./transport.js";

export type {
  ConsumerErrorContext,
  ConsumerPhase,
  HandlerContext,
  MessageHandler,
  PushConsumerOptions,
  PushConsumerStats,
} from "./push-consumer-options.js";

/**
 * A push consumer (C1–C5 in docs/architecture.md): pulls every queue of a topic by offset,
 * runs the handler, hands failures to the broker's retry queue and consumes
 * that queue in lease mode, and commits per queue the lowest offset still in
 * process. Delivery is at-least-once: a crash repeats messages above the last
 * commit and never skips one.
 *
 * @example
 * ```ts
 * import { LocalTransport, PushConsumer } from "@edgeq/core";
 * import { Broker } from "@edgeq/core/engine";
 * import { openMemoryStore } from "@edgeq/core/store";
 *
 * const broker = await Broker.open({ store: await openMemoryStore() });
 * await broker.createTopic("orders", { queueCount: 4 });
 * const consumer = new PushConsumer(new LocalTransport(broker), {
 *   topic: "orders",
 *   group: "billing",
 *   // Throw to retry the message later; after maxReconsumeTimes it goes to the dead-letter queue.
 *   handler: async (message) => console.log(message.msgId, message.body),
 * });
 * await consumer.start();
 * // …
 * await consumer.close(); // waits for running handlers, commits offsets
 * ```
 */
export class PushConsumer {
  readonly topic: string;
  readonly group: string;
  private readonly o: ResolvedConsumerOptions;
  private readonly stopper = new Stopper();
  private readonly slots: Slots;
  private readonly queues: ProcessQueue[] = [];
  /** Last offset the broker accepted per queue: a commit is sent only when it would change. */
  private readonly committed = new Map<number, number>();
  private readonly tasks = new Set<Promise<void>>();
  private readonly runner: ConsumeRunner;
  private loops: Promise<void>[] = [];
  private commitChain: Promise<void> = Promise.resolve();
  private lastCommitAt: number | undefined;
  private starting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly transport: Transport,
    options: PushConsumerOptions,
  ) {
    this.topic = options.topic;
    this.group = options.group;
    this.o = resolveConsumerOptions(options);
    this.slots = new Slots(this.o.concurrency);
    const report = (error: unknown, context: ConsumerErrorContext) => this.report(error, context);
    this.runner = new ConsumeRunner(transport, this.o, this.stopper, this.slots, report);
  }

  /**
   * Looks up the topic and the group's offsets, then starts a pull loop per
   * queue, the retry loop and periodic commits. Retryable failures are
   * retried until close(); others (an unknown topic) reject.
   */
  start(): Promise<void> {
    this.starting ??= this.open();
    return this.starting;
  }

  /** Stops reading, waits for running handlers, commits final offsets. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Commits every queue's safe offset that changed. Never rejects: a failed
   * commit is reported and tried again next time.
   */
  commit(): Promise<void> {
    // One commit at a time, each computing offsets when it runs, so commits
    // reach the broker in order and none sends a stale offset.
    this.commitChain = this.commitChain.then(() => this.commitOnce());
    return this.commitChain;
  }

  /** Counts of handled, failed and in-flight messages so far. */
  stats(): PushConsumerStats {
    let inProcess = this.runner.leased;
    for (const q of this.queues) inProcess += q.size;
    return { ...this.runner.counters, inProcess, lastCommitAt: this.lastCommitAt };
  }

  /** Offsets the broker has accepted from this consumer (or held at start), by queue id. */
  committedOffsets(): Record<string, number> {
    return Object.fromEntries([...this.committed].map(([q, offset]) => [String(q), offset]));
  }

  private async open(): Promise<void> {
    const info = await this.untilDone((signal) => this.transport.topicInfo(this.topic, { signal }));
    const offsets = await this.untilDone((signal) =>
      this.transport.getOffsets(this.topic, this.group, { signal }),
    );
    if (this.stopper.stopped)
      throw new EdgeqError("closed", "the consumer was closed while starting");
    for (let queueId = 0; queueId < info.queueCount; queueId++) {
      const q = new ProcessQueue(queueId);
      const offset = offsets[String(queueId)];
      if (typeof offset === "number") {
        q.seek(offset);
        this.committed.set(queueId, offset);
      }
      this.queues.push(q);
    }
    const pulls = this.queues.map((q) => this.stopper.run((signal) => this.pullLoop(q, signal)));
    const retries = this.stopper.run((signal) => this.retryLoop(signal));
    this.loops = [...pulls, retries, this.commitLoop()];
  }

  private async shutdown(): Promise<void> {
    const reason = new EdgeqError("closed", "the consumer is closed");
    this.stopper.stop(reason);
    this.slots.close(reason);
    await this.starting?.catch(() => undefined);
    await Promise.all(this.loops);
    // Handlers already running may still succeed: wait, so their messages
    // count as done in the final commit instead of being delivered again.
    while (this.tasks.size > 0) await Promise.all(this.tasks);
    await this.commit();
  }

  private async pullLoop(q: ProcessQueue, signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (q.nextOffset === undefined) {
          q.seek(await this.firstOffset(q.queueId, signal));
          continue;
        }
        // Flow control: a queue whose head is stuck (a send-back the broker
        // keeps refusing) must not make the consumer buffer without bound.
        if (q.size >= this.o.maxInProcessPerQueue) {
          await this.o.sleep(this.o.idleDelayMs, signal);
          continue;
        }
        const from = q.nextOffset;
        const { batchSize: limit, pollWaitMs: waitMs, tags } = this.o;
        const options = { from, limit, waitMs, tags, signal };
        const result = await this.transport.read(this.topic, q.queueId, options);
        failures = 0;
        const fresh = q.accept(result.messages, result.nextOffset);
        if (fresh.length > 0) this.dispatch(q, fresh);
        else if (result.nextOffset <= from) await this.o.sleep(this.o.idleDelayMs, signal);
      } catch (error) {
        if (signal.aborted) return;
        const minOffset = outOfRangeMinOffset(error);
        if (minOffset !== undefined) {
          // Retention removed messages this group never read: they are gone,
          // so continue at the oldest one left, and say so.
          this.report(error, { phase: "offset_reset", queueId: q.queueId });
          q.seek(minOffset);
          continue;
        }
        this.report(error, { phase: "read", queueId: q.queueId });
        const delay = retryDelayAfter(error, failures++, this.o.backoff);
        if (!(await pause(this.o.sleep, delay, signal))) return;
      }
    }
  }

  /** A group with no committed offset on a queue starts at the oldest retained message. */
  private async firstOffset(queueId: number, signal: AbortSignal): Promise<number> {
    try {
      return (await this.transport.read(this.topic, queueId, { from: 0, limit: 1, signal }))
        .minOffset;
    } catch (error) {
      const minOffset = outOfRangeMinOffset(error);
      if (minOffset === undefined) throw error;
      return minOffset;
    }
  }

  private dispatch(q: ProcessQueue, messages: Message[]): void {
    const runs = messages.map((m) => this.track(this.runner.consume(q, m)));
    void Promise.all(runs).then(() => this.commit());
  }

  /** Consumes the group's retry queue in lease mode (see `ConsumeRunner.consumeLeased`). */
  private async retryLoop(signal: AbortSignal): Promise<void> {
    const { batchSize: max, visibilityMs, pollWaitMs: waitMs } = this.o;
    let failures = 0;
    while (!signal.aborted) {
      let batch: LeasedMessage[];
      try {
        const options = { retriesOnly: true, max, visibilityMs, waitMs, signal };
        batch = await this.transport.receive(this.topic, this.group, options);
        failures = 0;
      } catch (error) {
        if (signal.aborted) return;
        this.report(error, { phase: "receive" });
        const delay = retryDelayAfter(error, failures++, this.o.backoff);
        if (!(await pause(this.o.sleep, delay, signal))) return;
        continue;
      }
      if (batch.length === 0) {
        if (!(await pause(this.o.sleep, this.o.retryPollIntervalMs, signal))) return;
        continue;
      }
      this.runner.leased += batch.length;
      await Promise.all(batch.map((m) => this.track(this.runner.consumeLeased(m))));
    }
  }

  private async commitLoop(): Promise<void> {
    while (await this.stopper.pause(this.o.sleep, this.o.commitIntervalMs)) await this.commit();
  }

  private async commitOnce(): Promise<void> {
    const offsets: Record<string, number> = {};
    for (const q of this.queues) {
      const offset = q.committable();
      if (offset !== undefined && offset !== this.committed.get(q.queueId))
        offsets[String(q.queueId)] = offset;
    }
    if (Object.keys(offsets).length === 0) return;
    try {
      // No abort signal: the commit on close runs after the abort, and it is
      // the one that must reach the broker.
      await this.transport.commitOffsets(this.topic, this.group, offsets);
      for (const [queueId, offset] of Object.entries(offsets))
        this.committed.set(Number(queueId), offset);
      this.lastCommitAt = this.o.clock.now();
    } catch (error) {
      // Not fatal: the offsets are computed again on the next commit, and
      // until then a crash only means redelivery of what was done since.
      this.report(error, { phase: "commit" });
    }
  }

  /** Retries retryable failures with backoff until the consumer closes; rethrows the rest. */
  private async untilDone<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { sleep, backoff } = this.o;
    const onRetry = (error: unknown) => this.report(error, { phase: "start" });
    try {
      return await this.stopper.run((signal) =>
        withRetries(() => call(signal), { signal, sleep, backoff, onRetry }),
      );
    } catch (error) {
      if (this.stopper.stopped)
        throw new EdgeqError("closed", "the consumer was closed while starting", { cause: error });
      throw error;
    }
  }

  private track(run: Promise<void>): Promise<void> {
    const task = run.catch((error: unknown) => this.report(error, { phase: "handler" }));
    this.tasks.add(task);
    void task.then(() => this.tasks.delete(task));
    return task;
  }

  private report(error: unknown, context: ConsumerErrorContext): void {
    try {
      this.o.onError(error, context);
    } catch {
      // A throwing onError must not stop the loops that keep messages flowing.
    }
  }
}

function outOfRangeMinOffset(error: unknown): number | undefined {
  if (!isEdgeqError(error, "offset_out_of_range")) return undefined;
  const minOffset = error.details?.minOffset;
  return typeof minOffset === "number" && Number.isInteger(minOffset) ? minOffset : undefined;
}
