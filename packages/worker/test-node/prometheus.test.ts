import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LocalBroker, startLocalBroker } from "./local-broker.js";

// A real Prometheus (Debian's package; scripts/ensure-prometheus.sh installs
// it) scrapes the local broker's GET /metrics every second with a token that
// has only the metrics right; the test asks Prometheus's HTTP API what it
// stored after a known workload.

const PROMETHEUS = process.env.PROMETHEUS_PATH ?? "/usr/bin/prometheus";
const ADMIN = { authorization: "Bearer t-admin", "content-type": "application/json" };

let broker: LocalBroker;
let prometheus: ChildProcess;
let dir: string;
let api: string;

/** A port free now (the OS picks it), for Prometheus's web listener. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  broker = await startLocalBroker({
    tokens: {
      "t-admin": [{ topics: "*", rights: ["produce", "consume", "admin"] }],
      "t-scrape": [{ topics: "*", rights: ["metrics"] }],
    },
    topics: { prom: { queueCount: 2 } },
  });
  dir = await mkdtemp(join(tmpdir(), "edgeq-prometheus-"));
  const target = new URL(broker.url).host;
  await writeFile(
    join(dir, "prometheus.yml"),
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "scrape_configs:",
      "  - job_name: edgeq",
      "    metrics_path: /metrics",
      "    authorization:",
      "      type: Bearer",
      "      credentials: t-scrape",
      "    static_configs:",
      `      - targets: ["${target}"]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  api = `http://127.0.0.1:${port}/api/v1`;
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  prometheus.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  prometheus.once("exit", (code) => {
    if (code !== null && code !== 0) console.error(`prometheus exited ${code}:\n${log}`);
  });
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus.once("exit", resolve));
    prometheus.kill("SIGTERM");
    await exited;
  }
  await broker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function call(method: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${broker.url}${path}`, {
    method,
    headers: ADMIN,
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The single value of an instant PromQL query, or undefined while Prometheus has none. */
async function query(promql: string): Promise<number | undefined> {
  const res = await fetch(`${api}/query?query=${encodeURIComponent(promql)}`).catch(
    () => undefined,
  );
  if (!res?.ok) return undefined;
  const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
  const only = body.data.result[0];
  return body.data.result.length === 1 && only ? Number(only.value[1]) : undefined;
}

it("Prometheus scrapes produced totals and lag after a known workload", async () => {
  const produce = (from: number, count: number) =>
    call("POST", "/v1/topics/prom/messages", {
      producerId: "p",
      messages: Array.from({ length: count }, (_, i) => ({
        seq: from + i,
        body: { n: from + i },
        key: `k${(from + i) % 5}`,
      })),
    });
  await produce(1, 30);
  // A retry of seqs 1 to 5: refused as duplicates.
  await produce(1, 5);
  const { messages } = (await call("POST", "/v1/topics/prom/groups/g/receive", {
    max: 10,
    visibilityMs: 60_000,
  })) as { messages: Array<{ receipt: string }> };
  expect(messages).toHaveLength(10);
  await call("POST", "/v1/topics/prom/groups/g/ack", { receipts: messages.map((m) => m.receipt) });

  const opts = { timeout: 30_000, interval: 250 };
  await expect.poll(() => query('up{job="edgeq"}'), opts).toBe(1);
  await expect.poll(() => query('sum(edgeq_messages_produced_total{topic="prom"})'), opts).toBe(30);
  await expect.poll(() => query('sum(edgeq_messages_duplicate_total{topic="prom"})'), opts).toBe(5);
  await expect
    .poll(() => query('sum by (group) (edgeq_group_lag_messages{topic="prom",group="g"})'), opts)
    .toBe(20);
  await expect
    .poll(() => query('sum(edgeq_messages_acked_total{topic="prom",group="g"})'), opts)
    .toBe(10);

  // Later scrapes see later work: ten more produced, the lag grows by ten.
  await produce(31, 10);
  await expect.poll(() => query('sum(edgeq_messages_produced_total{topic="prom"})'), opts).toBe(40);
  await expect
    .poll(() => query('sum(edgeq_group_lag_messages{topic="prom",group="g"})'), opts)
    .toBe(30);
  // The request histogram reached Prometheus too, by route pattern.
  await expect
    .poll(
      () =>
        query(
          'sum(edgeq_http_request_duration_seconds_count{route="/v1/topics/:topic/groups/:group/ack",status="200"})',
        ),
      opts,
    )
    .toBe(1);
});
