import { DurableObject } from "cloudflare:workers";
import type { QueueConsumerObjectStub } from "../shared/consumer-start.js";
import type { QueueConsumer } from "./consumer.js";

/** Options of `createQueueConsumerObject`. */
export interface QueueConsumerObjectOptions {
  /** How long an idle consumer waits before it polls again (after its long-poll came back empty). Default 1 s. */
  idleMs?: number;
  /** How long it waits after a failed drain (the broker unreachable). Default 5 s. */
  errorBackoffMs?: number;
  /** How long one alarm drains before it hands over to the next alarm. Default 25 s. */
  budgetMs?: number;
}

/**
 * The push driver: a Durable Object class whose alarm drains the topic and
 * sets the next alarm, at once while there is work, after `idleMs` when the
 * topic is idle. Each drain long-polls edgeq for up to `max_batch_timeout`,
 * so a message sent to an idle topic reaches the handler within about
 * `max(max_batch_timeout, idleMs)`; an alarm survives restarts and deploys,
 * and the runtime retries it if the object is evicted mid-drain (whatever
 * was leased then is delivered again when its lease ends).
 *
 * Export it from the consumer Worker under a name declared in its wrangler
 * config (`new_sqlite_classes`). It starts on the first send of a producer
 * given it as `consumer` (`createQueueProducer(env.EDGEQ, topic, { consumer:
 * env.JOBS_CONSUMER })`), or on `startQueueConsumer`; once started, its
 * alarm keeps itself armed.
 */
export function createQueueConsumerObject<Env>(
  consumer: QueueConsumer<Env>,
  options: QueueConsumerObjectOptions = {},
): QueueConsumerObjectClass<Env> {
  const idleMs = options.idleMs ?? 1000;
  const errorBackoffMs = options.errorBackoffMs ?? 5000;
  return class QueueConsumerObject extends DurableObject<Env> implements QueueConsumerObjectStub {
    async start(): Promise<void> {
      if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
    }

    override async alarm(): Promise<void> {
      let next = idleMs;
      try {
        const report = await consumer.drain(this.env, executionContext(this.ctx), {
          budgetMs: options.budgetMs ?? 25_000,
        });
        if (!report.idle) next = 0;
      } catch (error) {
        console.error(`edgeq: consumer of ${consumer.settings.queue} failed`, error);
        next = errorBackoffMs;
      }
      await this.ctx.storage.setAlarm(Date.now() + next);
    }
  };
}

/** A consumer object class, as `createQueueConsumerObject` makes it. */
export type QueueConsumerObjectClass<Env> = new (
  ctx: DurableObjectState,
  env: Env,
) => DurableObject<Env> &
  QueueConsumerObjectStub & {
    /** Drains the topic for up to `budgetMs`, then sets the next alarm. */
    alarm(): Promise<void>;
  };

/** What the handler gets as `ctx` in an alarm: waitUntil on the object's state. */
function executionContext(state: DurableObjectState): ExecutionContext {
  return {
    waitUntil: (promise) => state.waitUntil(promise),
    passThroughOnException: () => {},
    props: undefined,
    // A Durable Object alarm has no tracing context to hand on.
    tracing: undefined as unknown as ExecutionContext["tracing"],
  };
}
