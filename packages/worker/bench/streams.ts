import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DurableStream } from "@durable-streams/client";
import { DurableStreamTestServer } from "@durable-streams/server";
import { startLocalBroker } from "../test-node/local-broker.js";
import { BenchClient, median, quantile } from "./load.js";
import { type Row, recordRows, table } from "./table.js";

/**
 * `npm run bench:streams -w @edgeq/worker`: the same `@durable-streams/client`
 * workload against edgeq's Durable Streams (the broker in one local workerd,
 * one StreamDO per stream) and the protocol's reference server
 * (`@durable-streams/server`, its file-backed store, in this Node process):
 * appends of 1 KiB JSON messages at batch 1 and 100, a catch-up read of a
 * long stream, and live-tail latency (append → a live SSE reader sees it).
 * Prints edgeq ÷ reference per row, with the goal (≥ 1 for throughput, ≤ 1
 * for latency) and ok/MISSED. Then issue 11's comparison of edgeq's own
 * HTTP API (produce with producerId/seq at batch 100 by 1 and 8 writers, a
 * read by offset of 40,000 messages) with the reference server doing the
 * same its way (Producer-* headers, a catch-up read).
 *
 * EDGEQ_BENCH_CATCHUP (default 100,000) sets the catch-up stream's length;
 * EDGEQ_BENCH_REPS (default 3) the repetitions whose median is printed.
 */
const CATCHUP = Number(process.env.EDGEQ_BENCH_CATCHUP ?? 100_000);
const REPS = Number(process.env.EDGEQ_BENCH_REPS ?? 3);
/** Messages per append measurement: a second or two each on this machine. */
const APPENDS: Record<number, number> = { 1: 300, 100: 20_000 };
const LIVE_SAMPLES = 200;
/** Messages of the edgeq-API catch-up row (issue 11: 40,000 of about 220 B as read). */
const API_READ = Number(process.env.EDGEQ_BENCH_API_READ ?? 40_000);
const TOKEN = "bench-token";
/** Messages per request of the NDJSON read row: the streaming form's most (docs/protocol.md). */
const NDJSON_LIMIT = 10_000;
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
function batchText(first: number, count: number, make: (n: number) => unknown = message): string {
  return Array.from({ length: count }, (_, j) => JSON.stringify(make(first + j))).join(",");
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
async function catchUpRate(
  server: Server,
  total: number,
  make: (n: number) => { n: number } = message,
): Promise<number> {
  const stream = await newStream(server);
  for (let at = 0; at < total; at += FILL_BATCH) {
    const n = Math.min(FILL_BATCH, total - at);
    await stream.append(batchText(at, n, make));
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

/** The order event edgeq's own HTTP bench sends (load.ts), numbered. */
function order(n: number) {
  return { n, type: "order.created", id: "order-0000", amount: 42.5, items: ["a", "b", "c"] };
}

/**
 * The reference's idempotent producers: `writers` of them append `total`
 * messages to one stream, in requests of `batch` with Producer-Id, -Epoch
 * and -Seq (as edgeq's own API gets producerId and seq); msg/s.
 */
async function idempotentAppendRate(
  server: Server,
  total: number,
  batch: number,
  writers: number,
): Promise<number> {
  const stream = await newStream(server);
  const each = Math.ceil(total / writers);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let seq = 0; seq * batch < each; seq++) {
        const res = await fetch(stream.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "producer-id": `writer-${w}`,
            "producer-epoch": "0",
            "producer-seq": String(seq),
          },
          body: `[${batchText(seq * batch, Math.min(batch, each - seq * batch), order)}]`,
        });
        if (!res.ok) throw new Error(`${server.name}: append answered ${res.status}`);
        await res.arrayBuffer();
      }
    }),
  );
  return (each * writers * 1000) / (performance.now() - start);
}

/**
 * Issue 11's rows: edgeq's own HTTP API (produce with producerId and seq,
 * read by offset a page of 1,000 at a time) against the reference server
 * doing the same work its way.
 */
async function nativeRows(bench: BenchClient, reference: Server): Promise<Row[]> {
  const rows: Row[] = [];
  for (const writers of [1, 8]) {
    log(`edgeq API append at batch 100, ${writers} writer(s)…`);
    const rates = { edgeq: [] as number[], reference: [] as number[] };
    for (let rep = 0; rep < REPS; rep++) {
      rates.edgeq.push(
        await bench.produce(`/v1/topics/api-${writers}/messages`, 20_000, 100, writers),
      );
      rates.reference.push(await idempotentAppendRate(reference, 20_000, 100, writers));
    }
    rows.push({
      scenario: "edgeq API append (producerId/seq) vs reference (Producer-* headers)",
      batch: 100,
      clients: writers,
      unit: "msg/s",
      edgeq: median(rates.edgeq),
      baseline: median(rates.reference),
      goal: { min: 1 },
    });
  }
  log(`edgeq API catch-up read of ${API_READ.toLocaleString("en")} messages…`);
  await bench.produce("/v1/topics/api-read/messages", API_READ, 1000, 1);
  const reads = { edgeq: [] as number[], ndjson: [] as number[], reference: [] as number[] };
  for (let rep = 0; rep < REPS; rep++) {
    reads.edgeq.push(await bench.read("api-read", 0, API_READ));
    reads.ndjson.push(await bench.readNdjson("api-read", 0, API_READ, NDJSON_LIMIT));
    reads.reference.push(await catchUpRate(reference, API_READ, order));
  }
  rows.push({
    scenario: `edgeq API read by offset vs reference catch-up, ${API_READ.toLocaleString("en")} msgs`,
    batch: 1000,
    clients: 1,
    unit: "msg/s",
    edgeq: median(reads.edgeq),
    baseline: median(reads.reference),
    goal: { min: 1 },
  });
  rows.push({
    scenario: `edgeq API NDJSON read (accept: application/x-ndjson) vs reference catch-up, ${API_READ.toLocaleString("en")} msgs`,
    batch: NDJSON_LIMIT,
    clients: 1,
    unit: "msg/s",
    edgeq: median(reads.ndjson),
    baseline: median(reads.reference),
    goal: { min: 1 },
  });
  return rows;
}

async function main(): Promise<void> {
  const started = performance.now();
  // The reference server reports every append over 50 ms on console.info
  // (most of them, on this shared machine): its lines would bury the table.
  console.info = () => {};
  const dataDir = await mkdtemp(join(tmpdir(), "edgeq-ds-reference-"));
  const reference = new DurableStreamTestServer({ dataDir, port: 0 });
  const broker = await startLocalBroker({
    tokens: { [TOKEN]: [{ topics: "api-*", rights: ["produce", "consume"] }] },
    // One queue each, as one stream is one Durable Object.
    topics: Object.fromEntries(["api-1", "api-8", "api-read"].map((t) => [t, { queueCount: 1 }])),
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
    for (let rep = 0; rep < REPS; rep++)
      for (const s of servers) reads[s.name as "edgeq"].push(await catchUpRate(s, CATCHUP));
    rows.push({
      scenario: `catch-up read, ${CATCHUP.toLocaleString("en")} messages`,
      unit: "msg/s",
      edgeq: median(reads.edgeq),
      baseline: median(reads.reference),
      goal: { min: 1 },
    });
    rows.push(...(await nativeRows(new BenchClient(broker.url, TOKEN), servers[1]!)));
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
  recordRows("streams", rows);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    "\nDurable Streams bench: the same @durable-streams/client workload, one process.\n" +
      "edgeq: the broker in one local workerd (Miniflare), one StreamDO per stream.\n" +
      "baseline: the reference server, @durable-streams/server 0.3.7, file-backed (LMDB + log files), in Node.\n" +
      `median of ${REPS} for appends and catch-up reads; ${LIVE_SAMPLES} live samples each.\n\n` +
      `${table(rows)}\n\n${seconds} s\n`,
  );
}

await main();
