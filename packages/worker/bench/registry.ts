import { type LocalBroker, startLocalBroker } from "../test-node/local-broker.js";
import { BenchClient, median } from "./load.js";

/**
 * `npm run bench:registry -w @edgeq/worker`: HTTP produce through a broker
 * whose topics live in the topic registry (a Durable Object, cached per
 * isolate for TOPIC_CACHE_TTL_MS) against the same broker without the
 * registry binding (topics fixed by EDGEQ_TOPICS, parsed once per isolate).
 * Both run at once in two local workerds; the measurements alternate, so the
 * shared machine's noise hits both alike. Goal: the registry costs at most
 * 5% (ratio >= 0.95). EDGEQ_BENCH_REPS (default 7) sets the repetitions.
 */
const REPS = Number(process.env.EDGEQ_BENCH_REPS ?? 7);
const TOKEN = "bench-token";
const GOAL = 0.95;
const CASES = [
  { batch: 1, clients: 1, total: 300 },
  { batch: 100, clients: 1, total: 10_000 },
  { batch: 100, clients: 8, total: 20_000 },
];
const topics = Object.fromEntries(
  CASES.map((c) => [`p${c.batch}x${c.clients}`, { queueCount: 1 }]),
);

const log = (text: string) => process.stderr.write(`${text}\n`);

async function main(): Promise<void> {
  const options = {
    tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
    topics,
  };
  const brokers: LocalBroker[] = [];
  try {
    brokers.push(await startLocalBroker(options));
    brokers.push(await startLocalBroker({ ...options, withoutTopicRegistry: true }));
    const [registry, fixed] = brokers.map((b) => new BenchClient(b.url, TOKEN)) as [
      BenchClient,
      BenchClient,
    ];
    const lines: string[] = [];
    for (const { batch, clients, total } of CASES) {
      log(`produce: batch ${batch}, ${clients} producer(s)…`);
      const path = `/v1/topics/p${batch}x${clients}/messages`;
      const withRegistry: number[] = [];
      const without: number[] = [];
      // A first round each to warm up (isolates, the registry's first load), not counted.
      await registry.produce(path, total / 10, batch, clients);
      await fixed.produce(path, total / 10, batch, clients);
      // Each side goes first in every other round, so neither always follows the other.
      for (let rep = 0; rep < REPS; rep++) {
        if (rep % 2 === 1) without.push(await fixed.produce(path, total, batch, clients));
        withRegistry.push(await registry.produce(path, total, batch, clients));
        if (rep % 2 === 0) without.push(await fixed.produce(path, total, batch, clients));
      }
      const ratio = median(withRegistry) / median(without);
      lines.push(
        [
          `batch ${batch}`.padEnd(10),
          `${clients} client(s)`.padEnd(12),
          `${Math.round(median(withRegistry)).toLocaleString("en")}`.padStart(10),
          `${Math.round(median(without)).toLocaleString("en")}`.padStart(10),
          ratio.toFixed(3).padStart(7),
          `>= ${GOAL}`,
          ratio >= GOAL ? "ok" : "MISSED",
        ].join("  "),
      );
    }
    process.stdout.write(
      `\nedgeq topic registry bench: produce msg/s, median of ${REPS}, with the registry vs without it.\n\n` +
        `${"case".padEnd(24)}  ${"registry".padStart(10)}  ${"fixed".padStart(10)}  ${"ratio".padStart(7)}  goal\n` +
        `${lines.join("\n")}\n`,
    );
  } finally {
    for (const b of brokers) await b.stop();
  }
}

await main();
