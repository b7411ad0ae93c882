import { fileURLToPath } from "node:url";
import { DurableStream } from "@durable-streams/client";
import { startLocalBroker } from "../test-node/local-broker.js";
import { freePort, Inspector } from "./inspector.js";
import { BenchClient } from "./load.js";

/**
 * `npm run bench:profile -w @edgeq/worker -- <lease|produce|produce1|produce100|produce8|read|ndjson|stream|replicated|async>`: where a
 * workerd CPU goes while one client drives one case, through the V8
 * inspector's sampling profiler over the Worker's isolate (the Worker and its
 * Durable Objects run there). Prints the functions with the most self time;
 * `exec` and `transactionSync` are SQLite, `(program)` is native work outside
 * JavaScript (RPC serialisation, HTTP, the runtime).
 *
 * - lease: receive 100 + ack, one consumer, from 20,000 messages;
 * - produce: batches of 1,000, one producer, 50,000 messages;
 * - produce1: batches of 1, one producer, 3,000 messages (the fixed cost of a request);
 * - produce100: batches of 100, one producer, 20,000 messages;
 * - produce8: batches of 100, eight producers at once, 20,000 messages;
 * - read: JSON reads of 40,000 messages, 1,000 per request, four times;
 * - ndjson: NDJSON reads of 40,000 messages, 10,000 per request, four times;
 * - stream: a Durable Streams catch-up read of 20,000 JSON messages of 1 KiB, four times;
 * - replicated: batches of 100 into a topic with 2 async replicas, then into one with none;
 * - async: batches of 100 into an `async` topic, then the same into a `sync` one.
 */
const TOKEN = "bench-token";
const TOP = 25;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

function frameName(f: ProfileNode["callFrame"]): string {
  const where = f.url ? ` ${f.url.split("/").pop()}:${f.lineNumber + 1}` : "";
  return `${f.functionName || "(anonymous)"}${where}`;
}

/**
 * Each function's total time: its samples and its callees', counted once per
 * sample however often the function recurs on that stack. A fixed cost per
 * request (routing, auth, a second object) shows here, where self time
 * scatters it over the small functions it calls.
 */
function totalTimes(nodes: ProfileNode[]): Map<string, number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const childIds = new Set(nodes.flatMap((n) => n.children ?? []));
  const totals = new Map<string, number>();
  const walk = (node: ProfileNode, onStack: ReadonlySet<string>): number => {
    const name = frameName(node.callFrame);
    let hits = node.hitCount ?? 0;
    const below = onStack.has(name) ? onStack : new Set([...onStack, name]);
    for (const id of node.children ?? []) hits += walk(byId.get(id)!, below);
    if (!onStack.has(name)) totals.set(name, (totals.get(name) ?? 0) + hits);
    return hits;
  };
  for (const root of nodes.filter((n) => !childIds.has(n.id))) walk(root, new Set());
  return totals;
}

async function profile(inspector: Inspector, name: string, run: () => Promise<number>) {
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
  await inspector.send("Profiler.start");
  const rate = await run();
  const { profile } = await inspector.send<{ profile: { nodes: ProfileNode[] } }>("Profiler.stop");
  const self = new Map<string, number>();
  let total = 0;
  for (const { callFrame: f, hitCount = 0 } of profile.nodes) {
    const key = frameName(f);
    self.set(key, (self.get(key) ?? 0) + hitCount);
    total += hitCount;
  }
  const lines = [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([key, hits]) => `${((100 * hits) / total).toFixed(1).padStart(5)}%  ${key}`);
  const inclusive = [...totalTimes(profile.nodes)]
    .filter(([key]) => !key.startsWith("("))
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([key, hits]) => `${((100 * hits) / total).toFixed(1).padStart(5)}%  ${key}`);
  process.stdout.write(
    `\n${name}: ${Math.round(rate).toLocaleString("en")} msg/s while profiled; ` +
      `self time of ${total} samples:\n${lines.join("\n")}\n` +
      `\ntotal time (self and callees):\n${inclusive.join("\n")}\n`,
  );
}

async function main(mode: string): Promise<void> {
  const port = await freePort();
  const broker = await startLocalBroker({
    entry: fileURLToPath(new URL("./worker/bench-worker.ts", import.meta.url)),
    durableObjects: { RAW: { className: "RawDO", useSQLite: true } },
    inspectorPort: port,
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
    bindings: {
      EDGEQ_ANONYMOUS_STREAMS: JSON.stringify([
        { topics: "*", rights: ["produce", "consume", "admin"] },
      ]),
    },
    topics: {
      sync: { queueCount: 1 },
      async: { queueCount: 1, durability: "async" },
      replicated: { queueCount: 1, replication: { replicas: 2, mode: "async" } },
    },
  });
  const inspector = await Inspector.connect(port);
  const bench = new BenchClient(broker.url, TOKEN);
  try {
    if (mode === "lease") {
      await bench.produce("/v1/topics/sync/messages", 20_000, 1000, 4);
      const group = "/v1/topics/sync/groups/profile";
      await profile(inspector, "lease receive 100 + ack, 1 consumer", () =>
        bench.receiveAndAck({ receive: `${group}/receive`, ack: `${group}/ack` }, 20_000, 1),
      );
    } else if (mode === "produce") {
      await profile(inspector, "produce, batch 1,000, 1 producer", () =>
        bench.produce("/v1/topics/sync/messages", 50_000, 1000, 1),
      );
    } else if (mode === "produce1") {
      await profile(inspector, "produce, batch 1, 1 producer", () =>
        bench.produce("/v1/topics/sync/messages", 3_000, 1, 1),
      );
    } else if (mode === "produce100") {
      await profile(inspector, "produce, batch 100, 1 producer", () =>
        bench.produce("/v1/topics/sync/messages", 20_000, 100, 1),
      );
    } else if (mode === "produce8") {
      await profile(inspector, "produce, batch 100, 8 producers", () =>
        bench.produce("/v1/topics/sync/messages", 20_000, 100, 8),
      );
    } else if (mode === "ndjson") {
      await bench.produce("/v1/topics/sync/messages", 40_000, 1000, 4);
      await profile(inspector, "NDJSON read of 40,000, 10,000 per request, 4 times", async () => {
        let rate = 0;
        for (let i = 0; i < 4; i++) rate += await bench.readNdjson("sync", 0, 40_000, 10_000);
        return rate / 4;
      });
    } else if (mode === "read") {
      await bench.produce("/v1/topics/sync/messages", 40_000, 1000, 4);
      await profile(inspector, "JSON read of 40,000, 1,000 per request, 4 times", async () => {
        let rate = 0;
        for (let i = 0; i < 4; i++) rate += await bench.read("sync", 0, 40_000);
        return rate / 4;
      });
    } else if (mode === "stream") {
      // A Durable Streams catch-up (bench:streams' row): 20,000 JSON messages of 1 KiB, read from the start.
      const stream = await DurableStream.create({
        url: `${broker.url.replace(/\/$/, "")}/v1/stream/profile-${process.pid}`,
        contentType: "application/json",
      });
      const pad = "x".repeat(1000);
      for (let at = 0; at < 20_000; at += 500)
        await stream.append(
          Array.from({ length: 500 }, (_, i) => JSON.stringify({ n: at + i, pad })).join(","),
        );
      await profile(inspector, "Durable Streams catch-up of 20,000 x 1 KiB, 4 times", async () => {
        const start = performance.now();
        for (let i = 0; i < 4; i++) {
          const res = await stream.stream({ offset: "-1", live: "long-poll" });
          if ((await res.json()).length !== 20_000) throw new Error("short catch-up");
        }
        return (80_000 * 1000) / (performance.now() - start);
      });
    } else if (mode === "replicated") {
      for (const topic of ["replicated", "sync"])
        await profile(inspector, `produce, batch 100, 1 producer, ${topic}`, () =>
          bench.produce(`/v1/topics/${topic}/messages`, 20_000, 100, 1),
        );
    } else if (mode === "async") {
      for (const durability of ["async", "sync"])
        await profile(inspector, `produce, batch 100, 1 producer, ${durability}`, () =>
          bench.produce(`/v1/topics/${durability}/messages`, 20_000, 100, 1),
        );
    } else
      throw new Error(
        `unknown case ${mode}: lease, produce, produce1, produce100, produce8, read, ndjson, stream, replicated or async`,
      );
  } finally {
    inspector.close();
    await broker.stop();
  }
}

await main(process.argv[2] ?? "lease");
