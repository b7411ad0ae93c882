import { deleteDB, openDB } from "idb";
import { expect, it } from "vitest";
import { server } from "vitest/browser";
import { Queue } from "workbox-background-sync";
import { createOutbox } from "../src/index.js";
import {
  body,
  type Figure,
  goalLine,
  measure,
  median,
  recordGoalRows,
  table,
  timed,
} from "./measure.js";

const N = 10_000;
let run = 0;

/** The outbox's send path only: no broker, so the sync loop stays off. */
async function outboxScenario(concurrent: boolean): Promise<() => Promise<void>> {
  return async () => {
    const name = `bench-${run++}`;
    await deleteDB(`edgeq-outbox:${name}`);
    const outbox = await createOutbox({
      url: "http://127.0.0.1:9",
      topic: "bench",
      name,
      autoSync: false,
    });
    if (concurrent) await Promise.all(Array.from({ length: N }, (_, i) => outbox.send(body(i))));
    else for (let i = 0; i < N; i++) await outbox.send(body(i));
    expect((await outbox.stats()).pending).toBe(N);
    await outbox.close();
  };
}

/**
 * (a) workbox-background-sync's Queue.pushRequest, run in the page. It is
 * written for service workers; `self.registration` is the one thing it
 * needs from one, and without Background Sync it only stores the request.
 */
function workboxScenario(concurrent: boolean): () => Promise<void> {
  const scope = self as unknown as { registration?: object; __WB_DISABLE_DEV_LOGS?: boolean };
  scope.registration ??= {};
  // Its development build logs every push; logging is not what we measure.
  scope.__WB_DISABLE_DEV_LOGS = true;
  return async () => {
    const queue = new Queue(`bench-workbox-${run++}`, { forceSyncFallback: true });
    const push = (i: number) =>
      queue.pushRequest({
        request: new Request("https://edge.example/v1/topics/bench/messages", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body(i)),
        }),
      });
    if (concurrent) await Promise.all(Array.from({ length: N }, (_, i) => push(i)));
    else for (let i = 0; i < N; i++) await push(i);
  };
}

/** (b) The browser's limit for one record per message: one transaction, N puts. */
function bulkPutScenario(): () => Promise<void> {
  return async () => {
    const name = `bench-raw-${run++}`;
    await deleteDB(name);
    const db = await openDB(name, 1, { upgrade: (d) => void d.createObjectStore("log") });
    const tx = db.transaction("log", "readwrite", { durability: "strict" });
    for (let i = 0; i < N; i++) void tx.store.put({ seq: i + 1, body: body(i) }, i + 1);
    await tx.done;
    db.close();
  };
}

const slow = { runs: 1, warmUp: false };
/** Interleaved runs of the rows that have a goal: each ratio compares runs under the same load. */
const PAIRS = 5;
const WORKBOX_RUNS = 3;

it(`outbox send() x ${N} against workbox-background-sync and raw idb`, async () => {
  const raw = bulkPutScenario();
  const outbox = await outboxScenario(true);
  const workbox = workboxScenario(true);
  // Warm-up (JIT, IndexedDB files); workbox's run is slow enough to warm itself.
  await raw();
  await outbox();
  const ms = { raw: [] as number[], outbox: [] as number[], workbox: [] as number[] };
  for (let rep = 0; rep < PAIRS; rep++) {
    const order = rep % 2 === 0 ? (["raw", "outbox"] as const) : (["outbox", "raw"] as const);
    for (const row of order) ms[row].push(await timed(row === "raw" ? raw : outbox));
    if (rep < WORKBOX_RUNS) ms.workbox.push(await timed(workbox));
  }
  const figure = (name: string, times: number[]): Figure => {
    const m = median(times);
    return { name, messages: N, ms: m, perSecond: Math.round((N / m) * 1000) };
  };
  const figures: Figure[] = [
    figure(`raw idb bulk put, 1 tx (b), median of ${PAIRS}`, ms.raw),
    await measure("workbox Queue.pushRequest, awaited (a)", N, workboxScenario(false), slow),
    figure(`workbox Queue.pushRequest, concurrent (a), median of ${WORKBOX_RUNS}`, ms.workbox),
    await measure("edgeq outbox.send, awaited one by one", N, await outboxScenario(false), {
      runs: 1,
    }),
    figure(`edgeq outbox.send, concurrent, median of ${PAIRS}`, ms.outbox),
  ];
  const byName = (prefix: string) => figures.find((f) => f.name.startsWith(prefix));
  const report = table(figures, (row) => {
    if (!row.name.startsWith("edgeq")) return undefined;
    return row.name.includes("concurrent")
      ? byName("workbox Queue.pushRequest, concurrent")
      : byName("workbox Queue.pushRequest, awaited");
  });
  const pairRatios = ms.raw.map((r, i) => r / ms.outbox[i]!).sort((a, b) => a - b);
  const perSecond = (times: number[]) => (N / median(times)) * 1000;
  const spread = (xs: number[]) => `${xs[0]!.toFixed(2)}..${xs.at(-1)!.toFixed(2)}`;
  const engine = server.browser;
  console.log(
    [
      "",
      `[${engine}]`,
      report,
      `[${engine}] pair ratios raw/outbox: ${pairRatios.map((r) => r.toFixed(2)).join(" ")} (${spread(pairRatios)})`,
      goalLine(
        "concurrent send() vs workbox, concurrent",
        { edgeq: perSecond(ms.outbox), baseline: perSecond(ms.workbox) },
        30,
      ),
      goalLine(
        "concurrent send() vs raw idb bulk put",
        { edgeq: perSecond(ms.outbox), baseline: perSecond(ms.raw) },
        2,
      ),
      "",
    ].join("\n"),
  );
  await recordGoalRows();
  // Each outbox run checked its own count (outboxScenario): every run's sends are pending.
  expect(ms.outbox).toHaveLength(PAIRS);
});
