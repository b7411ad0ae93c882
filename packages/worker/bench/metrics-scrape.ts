import { type BenchClient, median } from "./load.js";
import type { Goal, Row } from "./table.js";

/**
 * What a Prometheus scraping `GET /metrics` costs the broker (issue 26): the
 * issue's case is 100 topics × 4 queues scraped every 15 s. A rep here lasts
 * a second or two, so the case is scaled by ten on both sides: 10 topics × 4
 * queues scraped every 1.5 s, the same snapshot calls per second (about 27).
 * The produce (batch 100, 8 producers) runs with and without that scraper,
 * alternating rep by rep. Every scraped queue holds a message and a group.
 * A second row times one full-size scrape (100 × 4 queues) on an idle broker.
 */
const FULL_TOPICS = 100;
const SCALED_TOPICS = 10;
const SCRAPE_EVERY_MS = 1_500;
const TOTAL = 20_000;
const GOAL: Goal = { min: 0.9 };

const name = (i: number) => `scraped-${String(i).padStart(3, "0")}`;

export const scrapeTopics: Record<string, Record<string, unknown>> = {
  scrape100x8: { queueCount: 1 },
};

/** The scraper's token: `metrics` on the scraped topics only, so the bench's other topics stay out. */
export const SCRAPE_TOKEN = "bench-scrape-token";
export const scrapeGrant = [{ topics: "scraped-*", rights: ["metrics"] }];

export async function scrapeRows(
  bench: BenchClient,
  reps: number,
  log: (text: string) => void,
): Promise<Row[]> {
  log(`metrics: ${SCALED_TOPICS} topics × 4 queues (a message and a group each)…`);
  await fill(bench, 0, SCALED_TOPICS);
  log("metrics: produce with and without a scraper…");
  const path = "/v1/topics/scrape100x8/messages";
  const alone: number[] = [];
  const scraped: number[] = [];
  const scrapeMs: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    alone.push(await bench.produce(path, TOTAL, 100, 8));
    const scraper = startScraper(bench.url, scrapeMs);
    try {
      scraped.push(await bench.produce(path, TOTAL, 100, 8));
    } finally {
      await scraper.stop();
    }
  }
  log(`  ${scrapeMs.length} scrapes`);
  log(`metrics: ${FULL_TOPICS} topics × 4 queues, scraped alone…`);
  await fill(bench, SCALED_TOPICS, FULL_TOPICS);
  const full: number[] = [];
  let series = 0;
  for (let rep = 0; rep < Math.max(reps, 5); rep++) {
    const started = performance.now();
    series = (await scrape(bench.url)).length;
    full.push(performance.now() - started);
  }
  log(`  ${series.toLocaleString("en")} series a scrape`);
  return [
    {
      scenario: `HTTP produce, /metrics of ${SCALED_TOPICS}×4 queues every 1.5 s vs none`,
      batch: 100,
      clients: 8,
      unit: "msg/s",
      edgeq: median(scraped),
      baseline: median(alone),
      goal: GOAL,
    },
    {
      scenario: `one /metrics scrape of ${SCALED_TOPICS}×4 queues, under that load`,
      unit: "ms",
      edgeq: median(scrapeMs),
    },
    {
      scenario: `one /metrics scrape of ${FULL_TOPICS}×4 queues, idle broker`,
      unit: "ms",
      edgeq: median(full),
    },
  ];
}

/** Creates topics `from` to `to` − 1, 4 queues each, each queue with a message and group `watchers`. */
async function fill(bench: BenchClient, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i += 10)
    await Promise.all(
      Array.from({ length: Math.min(10, to - i) }, async (_, j) => {
        const topic = name(i + j);
        await bench.put(`/v1/topics/${topic}`, { queueCount: 4 });
        // Keys may share a queue: send until every queue has a message.
        for (let round = 0; round < 16; round++) {
          const messages = [0, 1, 2, 3].map((q) => ({ body: q, key: `k${round}-${q}` }));
          await bench.post(`/v1/topics/${topic}/messages`, { messages });
          const stats = await bench.get<{ queues: Array<{ headOffset: number }> }>(
            `/v1/topics/${topic}/stats`,
          );
          if (stats.queues.every((q) => q.headOffset > 0)) break;
        }
        await bench.post(`/v1/topics/${topic}/groups/watchers/receive`, { max: 4 });
      }),
    );
}

/** One scrape with the scraper's token: its sample lines. */
async function scrape(url: string): Promise<string[]> {
  const res = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${SCRAPE_TOKEN}` },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`/metrics: ${res.status} ${text}`);
  return text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

/** Scrapes at once and then every SCRAPE_EVERY_MS until stopped; each scrape's time goes to `ms`. */
function startScraper(url: string, ms: number[]): { stop(): Promise<void> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      await scrape(url);
      ms.push(performance.now() - started);
      const left = SCRAPE_EVERY_MS - (performance.now() - started);
      if (left > 0 && !stopped)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
