import { deleteDB } from "idb";
import { expect, inject, it } from "vitest";
import { createOutbox, type Outbox } from "../src/index.js";
import { body, goalLine, median, recordGoalRows, timed } from "./measure.js";

// A device offline for days, and the drain once it is back: issue 11's rows.
const BACKLOG = 100_000;
// Runs long enough to time: 2,000 sends (13 ms in Firefox) and 50 stats() calls (25 ms)
// read 0.5x and 1.4x on runs with no change to their path.
const SENDS = 10_000;
const STATS_CALLS = 200;
const DRAIN = 10_000;
const REPS = 3;
const TOKEN = "test-token";
const TOPIC = "bench";

let run = 0;
async function freshOutbox(): Promise<Outbox> {
  const name = `scale-${Date.now().toString(36)}-${run++}`;
  await deleteDB(`edgeq-outbox:${name}`);
  return createOutbox({
    url: inject("brokerUrl"),
    topic: TOPIC,
    token: TOKEN,
    name,
    autoSync: false,
  });
}

/** Queues `count` messages as an app would over days: many small concurrent sends, group-committed. */
async function fill(outbox: Outbox, count: number): Promise<void> {
  for (let done = 0; done < count; done += 5_000)
    await Promise.all(
      Array.from({ length: Math.min(5_000, count - done) }, (_, i) => outbox.send(body(done + i))),
    );
}

const concurrentSends = (outbox: Outbox) => () =>
  Promise.all(Array.from({ length: SENDS }, (_, i) => outbox.send(body(i))));

const statsCalls = (outbox: Outbox) => async () => {
  for (let i = 0; i < STATS_CALLS; i++) await outbox.stats();
};

/** Syncs until `count` more messages are acknowledged, then stops syncing (the rest stay pending). */
async function drainSome(outbox: Outbox, count: number): Promise<void> {
  let acknowledged = 0;
  const done = new Promise<void>((resolve) => {
    outbox.addEventListener("acknowledged", (e) => {
      acknowledged += e.detail.messages.length;
      if (acknowledged >= count) resolve();
    });
  });
  outbox.start();
  await done;
}

it(`outbox with ${BACKLOG.toLocaleString("en")} messages pending vs an empty one`, async () => {
  const full = await freshOutbox();
  await fill(full, BACKLOG);
  expect((await full.stats()).pending).toBe(BACKLOG);
  const send = { full: [] as number[], empty: [] as number[] };
  const stats = { full: [] as number[], empty: [] as number[] };
  for (let rep = 0; rep < REPS; rep++) {
    const empty = await freshOutbox();
    send.empty.push(await timed(concurrentSends(empty)));
    send.full.push(await timed(concurrentSends(full)));
    stats.empty.push(await timed(statsCalls(empty)));
    stats.full.push(await timed(statsCalls(full)));
    await empty.close();
  }
  // Draining: the first DRAIN of the backlog against an outbox holding just DRAIN.
  const drain = { full: [] as number[], empty: [] as number[] };
  for (let rep = 0; rep < REPS; rep++) {
    const small = await freshOutbox();
    await fill(small, DRAIN);
    drain.empty.push(await timed(() => small.flush()));
    expect((await small.stats()).pending).toBe(0);
    await small.close();
    const backlog = await freshOutbox();
    await fill(backlog, BACKLOG);
    drain.full.push(await timed(() => drainSome(backlog, DRAIN)));
    await backlog.close();
  }
  await full.close();
  // Rates of a fixed amount of work: edgeq with the backlog, the baseline without (1.0 = no slower).
  const rates = (n: number, x: { full: number[]; empty: number[] }) => ({
    edgeq: (n / median(x.full)) * 1000,
    baseline: (n / median(x.empty)) * 1000,
  });
  const perSecond = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString("en");
  console.log(
    [
      "",
      `browser outbox, ${BACKLOG.toLocaleString("en")} pending vs empty (median of ${REPS}; ratio = rate with the backlog ÷ rate without):`,
      `  send x ${SENDS} concurrent: ${perSecond(SENDS, median(send.full))} vs ${perSecond(SENDS, median(send.empty))} msg/s`,
      `  stats(): ${perSecond(STATS_CALLS, median(stats.full))} vs ${perSecond(STATS_CALLS, median(stats.empty))} calls/s`,
      `  drain ${DRAIN.toLocaleString("en")} to the broker: ${perSecond(DRAIN, median(drain.full))} vs ${perSecond(DRAIN, median(drain.empty))} msg/s`,
      goalLine("100k pending: send, vs an empty outbox", rates(SENDS, send), 0.9),
      goalLine("100k pending: stats(), vs an empty outbox", rates(STATS_CALLS, stats), 0.9),
      goalLine("100k pending: draining, vs an empty outbox", rates(DRAIN, drain), 0.9),
      "",
    ].join("\n"),
  );
  await recordGoalRows();
});

const FETCH_TOTAL = 20_000;
const BATCH = 100;
const DRAIN_PAIRS = 5;

/** What the outbox's drain does on the wire, done with plain fetch: batches of 100, one at a time, with producerId and seq. */
async function fetchBatches(producerId: string): Promise<void> {
  const url = `${inject("brokerUrl")}/v1/topics/${TOPIC}/messages`;
  for (let start = 0; start < FETCH_TOTAL; start += BATCH) {
    const messages = Array.from({ length: BATCH }, (_, i) => ({
      seq: start + i + 1,
      body: body(start + i),
    }));
    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ producerId, messages }),
    });
    if (!response.ok) throw new Error(`produce answered ${response.status}`);
    await response.text();
  }
}

it(`drain of ${FETCH_TOTAL.toLocaleString("en")} messages vs the same batches with plain fetch`, async () => {
  const outbox: number[] = [];
  const plain: number[] = [];
  const drain = async () => {
    const o = await freshOutbox();
    await fill(o, FETCH_TOTAL);
    const ms = await timed(() => o.flush());
    expect((await o.stats()).pending).toBe(0);
    await o.close();
    return ms;
  };
  // Pairs back to back, in alternating order: on a shared machine the load
  // drifts over seconds, so each ratio compares runs under the same load.
  for (let rep = 0; rep < DRAIN_PAIRS; rep++) {
    const baseline = () =>
      timed(() => fetchBatches(`plain-fetch-${Date.now().toString(36)}-${rep}`));
    if (rep % 2 === 0) {
      plain.push(await baseline());
      outbox.push(await drain());
    } else {
      outbox.push(await drain());
      plain.push(await baseline());
    }
  }
  const ratios = plain.map((ms, i) => ms / outbox[i]!).sort((a, b) => a - b);
  const rate = (ms: number) => Math.round((FETCH_TOTAL / ms) * 1000).toLocaleString("en");
  console.log(
    [
      "",
      `browser drain, outbox → broker over HTTP, acknowledged (median of ${DRAIN_PAIRS} pairs, alternating order):`,
      `  outbox.flush(): ${rate(median(outbox))} msg/s; plain fetch, same batches: ${rate(median(plain))} msg/s`,
      `  pair ratios: ${ratios.map((r) => r.toFixed(2)).join(" ")} (spread ${(ratios.at(-1)! - ratios[0]!).toFixed(2)})`,
      goalLine(
        "drain vs plain fetch of the same batches",
        {
          edgeq: (FETCH_TOTAL / median(outbox)) * 1000,
          baseline: (FETCH_TOTAL / median(plain)) * 1000,
          batch: BATCH,
        },
        0.8,
      ),
      "",
    ].join("\n"),
  );
  await recordGoalRows();
});
