import { type BenchClient, median, quantile } from "./load.js";
import type { Goal, Row } from "./table.js";

/**
 * Issue 24's rows: ordered lease mode against unordered on the same data,
 * other keys' wait with one hot key against a run without it, and how close
 * a flow-controlled key's deliveries come to its rate.
 */
const MESSAGES = 20_000;
const KEYS = 1_000;
const ORDERED_GOAL: Goal = { min: 0.8 };
const HOT_GOAL: Goal = { max: 1.5 };
const RATE_GOAL: Goal = { within: 0.05 };
const RATE = 50;
/** Tokens saved up: a consumer's own pauses (its round trips) do not lose deliveries. */
const BURST = 10;
const RATE_SECONDS = 4;

interface Leased {
  receipt: string;
  key?: string;
}

let topics = 0;

/** A new one-queue topic, its group `g` given `settings`. */
async function topicWith(bench: BenchClient, settings: Record<string, unknown>): Promise<string> {
  const topic = `ord-${topics++}`;
  await bench.put(`/v1/topics/${topic}`, { queueCount: 1 });
  await bench.put(`/v1/topics/${topic}/groups/g/settings`, settings);
  return topic;
}

/** Posts `keys.length` messages, key i = keys[i], in batches of 1,000. */
async function fill(bench: BenchClient, topic: string, keys: string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000)
    await bench.post(`/v1/topics/${topic}/messages`, {
      messages: keys.slice(i, i + 1000).map((key, j) => ({ body: { n: i + j }, key })),
    });
}

/**
 * Receives 100 at a time and acks until `until` says stop; answers each
 * message's wait for the keys `watch` accepts: from the drain's start to its
 * delivery (ms), so the time the fill took does not count.
 */
async function drain(
  bench: BenchClient,
  topic: string,
  watch: (key: string | undefined) => boolean,
  until: (seen: number) => boolean,
): Promise<number[]> {
  const waits: number[] = [];
  const start = Date.now();
  for (;;) {
    const { messages } = await bench.post<{ messages: Leased[] }>(
      `/v1/topics/${topic}/groups/g/receive`,
      { max: 100, visibilityMs: 120_000, waitMs: 0 },
    );
    const at = Date.now();
    for (const m of messages) if (watch(m.key)) waits.push(at - start);
    if (messages.length > 0)
      await bench.post(`/v1/topics/${topic}/groups/g/ack`, {
        receipts: messages.map((m) => m.receipt),
      });
    if (until(waits.length) || messages.length === 0) return waits;
  }
}

export async function orderedRows(bench: BenchClient, reps: number, log: (t: string) => void) {
  const rows: Row[] = [];
  const spread = Array.from({ length: MESSAGES }, (_, i) => `k${i % KEYS}`);

  log(`ordered vs unordered lease receive + ack, ${KEYS} keys…`);
  const rates = { ordered: [] as number[], unordered: [] as number[] };
  // One untimed round first: the first drain of a run also pays for warming workerd up.
  const warm = await topicWith(bench, {});
  await fill(bench, warm, spread);
  await drain(
    bench,
    warm,
    () => true,
    (n) => n >= MESSAGES,
  );
  for (let rep = 0; rep < reps; rep++)
    for (const mode of ["unordered", "ordered"] as const) {
      const topic = await topicWith(bench, mode === "ordered" ? { ordered: true } : {});
      await fill(bench, topic, spread);
      const start = performance.now();
      await drain(
        bench,
        topic,
        () => true,
        (n) => n >= MESSAGES,
      );
      rates[mode].push((MESSAGES * 1000) / (performance.now() - start));
    }
  rows.push({
    scenario: `ordered lease receive 100 + ack, ${KEYS} keys, vs unordered`,
    batch: 100,
    clients: 1,
    unit: "msg/s",
    edgeq: median(rates.ordered),
    baseline: median(rates.unordered),
    goal: ORDERED_GOAL,
  });

  log("ordered: other keys' wait with a hot key holding half the messages…");
  const p99 = { hot: [] as number[], cold: [] as number[] };
  const others = MESSAGES / 2;
  for (let rep = 0; rep < reps; rep++)
    for (const mode of ["cold", "hot"] as const) {
      const keys =
        mode === "hot"
          ? Array.from({ length: MESSAGES }, (_, i) => (i % 2 === 0 ? "hot" : `k${i % KEYS}`))
          : Array.from({ length: others }, (_, i) => `k${(2 * i + 1) % KEYS}`);
      const topic = await topicWith(bench, { ordered: true });
      await fill(bench, topic, keys);
      const waits = await drain(
        bench,
        topic,
        (k) => k !== "hot",
        (n) => n >= others,
      );
      p99[mode].push(quantile(waits, 0.99));
    }
  rows.push({
    scenario: "ordered: other keys' p99 wait, 50% on one hot key, vs no hot key",
    batch: 100,
    clients: 1,
    unit: "ms",
    edgeq: median(p99.hot),
    baseline: median(p99.cold),
    goal: HOT_GOAL,
  });

  log(`flow control: one key limited to ${RATE}/s…`);
  const delivered: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const topic = await topicWith(bench, { flow: { ratePerSecond: RATE, burst: BURST } });
    await fill(
      bench,
      topic,
      Array.from({ length: RATE * RATE_SECONDS * 2 }, () => "one"),
    );
    let count = 0;
    const start = performance.now();
    while (performance.now() - start < RATE_SECONDS * 1000) {
      const { messages } = await bench.post<{ messages: Leased[] }>(
        `/v1/topics/${topic}/groups/g/receive`,
        { max: 10, visibilityMs: 120_000, waitMs: 200 },
      );
      count += messages.length;
      if (messages.length > 0)
        await bench.post(`/v1/topics/${topic}/groups/g/ack`, {
          receipts: messages.map((m) => m.receipt),
        });
    }
    // The bucket starts full: its burst is delivered at once, the rest at the rate.
    delivered.push(((count - BURST) * 1000) / (performance.now() - start));
  }
  rows.push({
    scenario: `flow control: delivered per second vs the key's limit (${RATE}/s)`,
    clients: 1,
    unit: "msg/s",
    edgeq: median(delivered),
    baseline: RATE,
    goal: RATE_GOAL,
  });
  return rows;
}
