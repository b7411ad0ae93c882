import { deleteDB, openDB } from "idb";
import { expect, it } from "vitest";
import { server } from "vitest/browser";
import { Queue } from "workbox-background-sync";
import { createOutbox } from "../src/index.js";
import { body, type Figure, measure, table } from "./measure.js";

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

it(`outbox send() x ${N} against workbox-background-sync and raw idb`, async () => {
  const figures: Figure[] = [];
  figures.push(await measure("raw idb bulk put, 1 tx (b)", N, bulkPutScenario()));
  figures.push(
    await measure("workbox Queue.pushRequest, awaited (a)", N, workboxScenario(false), slow),
  );
  figures.push(
    await measure("workbox Queue.pushRequest, concurrent (a)", N, workboxScenario(true), slow),
  );
  figures.push(
    await measure("edgeq outbox.send, awaited one by one", N, await outboxScenario(false), {
      runs: 1,
    }),
  );
  figures.push(await measure("edgeq outbox.send, concurrent", N, await outboxScenario(true)));
  const byName = (prefix: string) => figures.find((f) => f.name.startsWith(prefix));
  const report = table(figures, (row) => {
    if (!row.name.startsWith("edgeq")) return undefined;
    return row.name.endsWith("concurrent")
      ? byName("workbox Queue.pushRequest, concurrent")
      : byName("workbox Queue.pushRequest, awaited");
  });
  const concurrent = byName("edgeq outbox.send, concurrent")!;
  const raw = byName("raw idb")!;
  const workbox = byName("workbox Queue.pushRequest, concurrent")!;
  console.log(
    `\n[${server.browser}]\n${report}\n\n[${server.browser}] concurrent sends: ${(concurrent.perSecond / workbox.perSecond).toFixed(1)}x workbox (goal >= 30x), ` +
      `${(concurrent.perSecond / raw.perSecond).toFixed(1)}x raw bulk put (goal >= 2x)\n`,
  );
  expect(concurrent.messages).toBe(N);
});
