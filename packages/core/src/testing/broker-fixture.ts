import { expect } from "vitest";
import { ManualClock } from "../clock.js";
import { Broker } from "../engine/broker.js";
import type { TopicConfig } from "../engine/config.js";
import type { EdgeqErrorCode } from "../errors.js";
import { ProbedStore, type SuiteOptions } from "./harness.js";

/** A broker over a probed store and a manual clock, for the core suites. */
export interface BrokerFixture {
  broker: Broker;
  clock: ManualClock;
  store: ProbedStore;
  /** Closes the broker and opens a new one over the same durable data. */
  restart(): Promise<void>;
  /** Closes the broker and its store. */
  close(): Promise<void>;
}

export const TOPIC = "orders";

/** Opens a broker over a new store of `options.create` with topic `orders` (2 queues, `config` on top). */
export async function openFixture(
  options: SuiteOptions,
  config: Partial<TopicConfig> = {},
): Promise<BrokerFixture> {
  const clock = new ManualClock();
  let store = new ProbedStore(await options.create());
  let broker = await Broker.open({ store, clock, autoTick: false });
  await broker.createTopic(TOPIC, { queueCount: 2, ...config });
  const fixture: BrokerFixture = {
    get broker() {
      return broker;
    },
    get store() {
      return store;
    },
    clock,
    async restart() {
      await broker.close();
      store = new ProbedStore(await options.reopen(store.inner));
      broker = await Broker.open({ store, clock, autoTick: false });
    },
    close: () => broker.close(),
  };
  return fixture;
}

/** Asserts a promise rejects with an EdgeqError of `code`, and returns it for more checks. */
export async function expectCode(
  promise: Promise<unknown>,
  code: EdgeqErrorCode,
): Promise<{ details?: Record<string, unknown> }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toMatchObject({ name: "EdgeqError", code });
  return error as { details?: Record<string, unknown> };
}

/** Reads a whole queue from its minimum. */
export async function readAll(broker: Broker, queueId: number, topic = TOPIC) {
  const out = [];
  let from = (await broker.stats(topic)).queues[queueId]!.minOffset;
  for (;;) {
    const r = await broker.read(topic, queueId, { from, limit: 1000 });
    out.push(...r.messages);
    if (r.nextOffset >= r.headOffset) return out;
    from = r.nextOffset;
  }
}
