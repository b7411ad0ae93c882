import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DurableStream } from "@durable-streams/client";
import { DurableStreamTestServer } from "@durable-streams/server";
import { startLocalBroker } from "../test-node/local-broker.js";
import { median, quantile } from "./load.js";
import { type Row, table } from "./table.js";

/**
 * `npm run bench:streams -w @edgeq/worker`: the same `@durable-streams/client`
 * workload against edgeq's Durable Streams (the broker in one local workerd,
 * one StreamDO per stream) and the protocol's reference server
 * (`@durable-streams/server`, its file-backed store, in this Node process):
 * appends of 1 KiB JSON messages at batch 1 and 100, a catch-up read of a
 * long stream, and live-tail latency (append → a live SSE reader sees it).
 * Prints edgeq ÷ reference per row, with the goal (≥ 1 for throughput, ≤ 1
 * for latency) and ok/MISSED.
 *
 * EDGEQ_BENCH_CATCHUP (default 100,000) sets the catch-up stream's length;
 * EDGEQ_BENCH_REPS (default 3) the repetitions whose median is printed.
 */
const CATCHUP = Number(process.env.EDGEQ_BENCH_CATCHUP ?? 100_000);
const REPS = Number(process.env.EDGEQ_BENCH_REPS ?? 3);
/** Messages per append measurement: a second or two each on this machine. */
const APPENDS: Record<number, number> = { 1: 300, 100: 20_000 };
const LIVE_SAMPLES = 200;
/** Appends that fill the catch-up stream: under edgeq's 1 MiB append limit. */
const FILL_BATCH = 500;

/** A 1 KiB JSON message (its text is 1,024 bytes). */
function message(n: number): { n: number; pad: string } {
  const bare = JSON.stringify({ n, pad: "" }).length;
  return { n, pad: "x".repeat(1024 - bare) };
}

const log = (text: string) => process.stderr.write(`${text}\n`);

interface Server {
  name: string;
  base: string;
}

let streams = 0;
async function newStream(server: Server): Promise<DurableStream> {
  return DurableStream.create({
    url: `${server.base}/v1/stream/bench-${process.pid}-${streams++}`,
    contentType: "application/json",
  });
}

/**
 * One append request of `count` messages from `first`: the client sends a
 * JSON stream's append as `[<text>]`, so the texts of several messages
 * joined by commas go as one array, which the server stores as `count`
 * messages (protocol §7.1).
 */
function batchText(first: number, count: number): string {
  return Array.from({ length: count }, (_, j) => JSON.stringify(message(first + j))).join(",");
}

/** Appends `total` messages in requests of `batch`, one request at a time; msg/s. */
async function appendRate(server: Server, total: number, batch: number): Promise<number> {
  const stream = await newStream(server);
  const bodies = Array.from({ length: total / batch }, (_, i) => batchText(i * batch, batch));
  const start = performance.now();
  for (const body of bodies) await stream.append(body);
  return (total * 1000) / (performance.now() - start);
}

/** Fills a stream with `total` messages, then reads it all from the start; msg/s of the read. */
async function catchUpRate(server: Server, total: number): Promise<number> {
  const stream = await newStream(server);
  for (let at = 0; at < total; at += FILL_BATCH) {
    const n = Math.min(FILL_BATCH, total - at);
    await stream.append(batchText(at, n));
  }
  const start = performance.now();
  // Not `live: false`: the client makes one request then, and a server may
  // answer a long stream in several (edgeq: about 1 MiB each); `json()` stops
  // at the first up-to-date answer, so no wait at the tail happens.
  const res = await stream.stream<{ n: number }>({ offset: "-1", live: "long-poll" });
  const items = await res.json();
  const elapsed = performance.now() - start;
  if (items.length !== total || items[total - 1]?.n !== total - 1)
    throw new Error(`${server.name}: read ${items.length} of ${total} messages`);
  return (total * 1000) / elapsed;
}

/**
 * A live SSE reader follows a stream; each of `samples` appends carries its
 * number, and the time from sending it to the reader seeing it is one sample.
 * Answers the samples in ms.
 */
async function liveLatencies(server: Server, samples: number): Promise<number[]> {
  const stream = await newStream(server);
  const seen = new Map<number, () => void>();
  const res = await stream.stream<{ n: number }>({ offset: "now", live: "sse" });
  res.subscribeJson<{ n: number }>((batch) => {
    for (const item of batch.items) seen.get(item.n)?.();
  });
  const out: number[] = [];
  for (let n = 0; n < samples; n++) {
    const arrived = new Promise<void>((resolve) => seen.set(n, resolve));
    const start = performance.now();
    await stream.append(JSON.stringify(message(n)));
    await arrived;
    out.push(performance.now() - start);
  }
  res.cancel();
  return out;
}

async function main(): Promise<void> {
  const started = performance.now();
  // The reference server reports every append over 50 ms on console.info
  // (most of them, on this shared machine): its lines would bury the table.
  console.info = () => {};
  const dataDir = await mkdtemp(join(tmpdir(), "edgeq-ds-reference-"));
  const reference = new DurableStreamTestServer({ dataDir, port: 0 });
  const broker = await startLocalBroker({
    tokens: {},
    topics: {},
    bindings: {
      EDGEQ_ANONYMOUS_STREAMS: JSON.stringify([
        { topics: "*", rights: ["produce", "consume", "admin"] },
      ]),
    },
  });
  const servers: Server[] = [
    { name: "edgeq", base: broker.url.replace(/\/$/, "") },
    { name: "reference", base: (await reference.start()).replace(/\/$/, "") },
  ];
  const rows: Row[] = [];
  try {
    for (const batch of [1, 100]) {
      log(`append: batch ${batch}…`);
      const rates = { edgeq: [] as number[], reference: [] as number[] };
      // Alternate the sides: the machine's noise (it is shared) hits both alike.
      for (let rep = 0; rep < REPS; rep++)
        for (const s of servers)
          rates[s.name as "edgeq"].push(await appendRate(s, APPENDS[batch]!, batch));
      rows.push({
        scenario: `append 1 KiB JSON, batch ${batch}`,
        unit: "msg/s",
        edgeq: median(rates.edgeq),
        baseline: median(rates.reference),
        goal: { min: 1 },
      });
    }
    log(`catch-up read of ${CATCHUP.toLocaleString("en")} messages…`);
    const reads = { edgeq: [] as number[], reference: [] as number[] };
    for (const s of servers) reads[s.name as "edgeq"].push(await catchUpRate(s, CATCHUP));
    rows.push({
      scenario: `catch-up read, ${CATCHUP.toLocaleString("en")} messages`,
      unit: "msg/s",
      edgeq: median(reads.edgeq),
      baseline: median(reads.reference),
      goal: { min: 1 },
    });
    log("live tail over SSE…");
    const latency = { edgeq: [] as number[], reference: [] as number[] };
    for (const s of servers)
      latency[s.name as "edgeq"].push(...(await liveLatencies(s, LIVE_SAMPLES)));
    for (const p of [50, 99])
      rows.push({
        scenario: `live tail (SSE) append → seen, p${p}`,
        unit: "ms",
        edgeq: quantile(latency.edgeq, p / 100),
        baseline: quantile(latency.reference, p / 100),
        goal: { max: 1 },
      });
  } finally {
    await reference.stop();
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    "\nDurable Streams bench: the same @durable-streams/client workload, one process.\n" +
      "edgeq: the broker in one local workerd (Miniflare), one StreamDO per stream.\n" +
      "baseline: the reference server, @durable-streams/server 0.3.7, file-backed (LMDB + log files), in Node.\n" +
      `median of ${REPS} for appends; catch-up once; ${LIVE_SAMPLES} live samples each.\n\n` +
      `${table(rows)}\n\n${seconds} s\n`,
  );
}

await main();
