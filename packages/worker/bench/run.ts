import { fileURLToPath } from "node:url";
import { type LocalBroker, startLocalBroker } from "../test-node/local-broker.js";

/**
 * `npm run bench -w @edgeq/worker`: in one local workerd (Miniflare), HTTP
 * produce through the whole edgeq stack against raw SQL INSERTs of the same
 * rows in a Durable Object behind the same HTTP path; lease receive + ack;
 * and reads with a large log against a small one. Prints msg/s and ratios.
 */
const LOG = Number(process.env.EDGEQ_BENCH_LOG_SIZE ?? 1_000_000);
const REPS = Number(process.env.EDGEQ_BENCH_REPS ?? 3);
const TOKEN = "bench-token";
const BODY = { type: "order.created", id: "order-0000", amount: 42.5, items: ["a", "b", "c"] };
const TOTALS: Record<number, number> = { 1: 400, 10: 4_000, 100: 30_000, 1000: 100_000 };
const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };

let broker: LocalBroker;
let producers = 0;

async function post(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${broker.url}${path}`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** `count` producers post `total` messages in batches of `batch` to `path`; returns msg/s. */
async function produce(path: string, total: number, batch: number, count: number): Promise<number> {
  const each = Math.ceil(total / count);
  const start = performance.now();
  await Promise.all(
    Array.from({ length: count }, async () => {
      const producerId = `bench-${producers++}`;
      for (let seq = 1; seq <= each; seq += batch) {
        const n = Math.min(batch, each - seq + 1);
        await post(path, {
          producerId,
          messages: Array.from({ length: n }, (_, i) => ({ seq: seq + i, body: BODY })),
        });
      }
    }),
  );
  return (each * count * 1000) / (performance.now() - start);
}

async function receiveAndAck(topic: string, total: number, consumers: number): Promise<number> {
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: consumers }, async () => {
      while (done < total) {
        const { messages } = (await post(`/v1/topics/${topic}/groups/bench/receive`, {
          max: 100,
        })) as { messages: Array<{ receipt: string }> };
        if (messages.length === 0) break;
        await post(`/v1/topics/${topic}/groups/bench/ack`, {
          receipts: messages.map((m) => m.receipt),
        });
        done += messages.length;
      }
    }),
  );
  return (done * 1000) / (performance.now() - start);
}

async function read(topic: string, from: number, total: number): Promise<number> {
  let offset = from;
  let seen = 0;
  const start = performance.now();
  while (seen < total) {
    const res = await fetch(
      `${broker.url}/v1/topics/${topic}/queues/0/messages?from=${offset}&limit=1000`,
      {
        headers,
      },
    );
    const page = (await res.json()) as { messages: unknown[]; nextOffset: number };
    if (page.messages.length === 0) throw new Error(`${topic} ended at ${offset}`);
    seen += page.messages.length;
    offset = page.nextOffset;
  }
  return (seen * 1000) / (performance.now() - start);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => Math.round(n).toLocaleString("en").padStart(9);
const log = (text: string) => process.stderr.write(`${text}\n`);

async function main(): Promise<void> {
  broker = await startLocalBroker({
    entry: fileURLToPath(new URL("../bench/worker/bench-worker.ts", import.meta.url)),
    durableObjects: { RAW: { className: "RawDO", useSQLite: true } },
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
    topics: Object.fromEntries(
      ["bench", "lease1", "lease8", "big", "small"].map((t) => [t, { queueCount: 1 }]),
    ),
  });
  const lines: string[] = [];
  try {
    lines.push(`HTTP produce, one topic queue (one Durable Object) each side, median of ${REPS}`);
    lines.push(
      `${"batch".padStart(6)} ${"producers".padStart(9)} ${"edgeq msg/s".padStart(12)} ${"raw msg/s".padStart(10)}  ratio  goal`,
    );
    for (const batch of [1, 10, 100, 1000])
      for (const count of [1, 8]) {
        log(`produce: batch ${batch}, ${count} producer(s)…`);
        const total = TOTALS[batch]!;
        // Alternate the two sides and keep each one's median: the machine's noise hits both alike.
        const raws: number[] = [];
        const edgeqs: number[] = [];
        for (let rep = 0; rep < REPS; rep++) {
          raws.push(await produce(`/__bench/raw?queue=b${batch}p${count}`, total, batch, count));
          edgeqs.push(await produce("/v1/topics/bench/messages", total, batch, count));
        }
        const raw = median(raws);
        const edgeq = median(edgeqs);
        const goal = batch === 100 ? ">= 0.7" : batch === 1000 ? ">= 0.8" : "";
        lines.push(
          `${String(batch).padStart(6)} ${String(count).padStart(9)} ${fmt(edgeq).padStart(12)} ${fmt(raw).padStart(10)}  ${(edgeq / raw).toFixed(2)}   ${goal}`,
        );
      }

    lines.push("", "lease receive (100) + ack, 20,000 messages");
    for (const consumers of [1, 8]) {
      log(`receive + ack, ${consumers} consumer(s)…`);
      const topic = `lease${consumers}`;
      await produce(`/v1/topics/${topic}/messages`, 20_000, 1000, 4);
      lines.push(
        `${String(consumers).padStart(3)} consumer(s) ${fmt(await receiveAndAck(topic, 20_000, consumers))} msg/s`,
      );
    }

    log(`filling a queue with ${LOG.toLocaleString("en")} messages…`);
    await produce("/v1/topics/big/messages", LOG, 1000, 8);
    await produce("/v1/topics/small/messages", 20_000, 1000, 8);
    log("reading…");
    const small = await read("small", 0, 20_000);
    const big = await read("big", Math.floor(LOG / 2), 20_000);
    lines.push(
      "",
      "read by offset, 1,000 per request, 20,000 messages",
      `  20k queue ${fmt(small)} msg/s   ${LOG.toLocaleString("en")} queue ${fmt(big)} msg/s   ratio ${(big / small).toFixed(2)} (goal >= 0.90)`,
    );
  } finally {
    await broker.stop();
  }
  process.stdout.write(`\n${lines.join("\n")}\n\n`);
}

await main();
