import { deleteDB, openDB } from "idb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOutbox, isEdgeqError } from "../../src/index.js";
import {
  brokerUrl,
  flushEventually,
  freshOutbox,
  healthyNetwork,
  messagesOf,
  TOKEN,
  uniqueName,
} from "../helpers.js";

// Runs in a Firefox whose storage is limited to 10 MB per origin (the
// `firefox-small-disk` project, test/setup/engines/engines.ts): IndexedDB
// itself refuses the write with QuotaExceededError, as on a full phone.
// Chromium 156's quota override (DevTools Storage.overrideQuotaForOrigin) no
// longer changes the quota IndexedDB enforces, and WebKitGTK's WebDriver has no
// such setting; filling their 10 GiB for real is not a test.
beforeEach(healthyNetwork);
afterEach(healthyNetwork);

/** Random, so no engine's compression of large values can shrink it. */
function randomBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 65_536) crypto.getRandomValues(out.subarray(i, i + 65_536));
  return out;
}

/** Fills the origin's storage with another database until a 100 KB write no longer fits. */
async function fillStorage(): Promise<() => Promise<void>> {
  const name = uniqueName("filler");
  const db = await openDB(name, 1, { upgrade: (d) => d.createObjectStore("fill") });
  for (let i = 0; ; i++) {
    const size =
      (await navigator.storage.estimate()).quota! - (await navigator.storage.estimate()).usage!;
    const chunk = size > 2_000_000 ? 1_000_000 : 50_000;
    const done = await db.put("fill", randomBytes(chunk), i).then(
      () => false,
      (e: unknown) => (e as Error).name === "QuotaExceededError",
    );
    if (done) break;
  }
  return async () => {
    db.close();
    await deleteDB(name);
  };
}

describe("a full disk (QuotaExceededError) on send()", () => {
  it("is a quota_exceeded EdgeqError, writes nothing, and the outbox goes on syncing what it holds", async () => {
    const outbox = await freshOutbox({ autoSync: false });
    await outbox.send("before");
    const free = await fillStorage();
    // Concurrent sends share one transaction: all of them fail together, none half-written.
    const big = Array.from({ length: 4 }, () => ({
      body: { blob: Array.from(randomBytes(30_000)) },
    }));
    const results = await Promise.allSettled([outbox.sendBatch(big), outbox.send("small")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    const reasons = results.map((r) => (r as PromiseRejectedResult).reason as Error);
    expect(reasons.map((e) => isEdgeqError(e) && e.code)).toEqual([
      "quota_exceeded",
      "quota_exceeded",
    ]);
    expect(reasons[0]!.cause).toMatchObject({ name: "QuotaExceededError" });
    expect((await outbox.stats()).pending).toBe(1);

    // What it holds still syncs, full disk and all.
    outbox.start();
    await flushEventually(outbox);
    // Space again: the next send takes the next seq, and everything arrives in order.
    await free();
    await outbox.send("after");
    await flushEventually(outbox);
    const stored = await messagesOf("outbox", outbox.producerId);
    expect(stored.map((m) => [m.seq, m.body])).toEqual([
      [1, "before"],
      [2, "after"],
    ]);
    await outbox.close();
  });
});

describe("a full disk on commitWith()", () => {
  it("is quota_exceeded too, and neither the app's write nor the message is kept", async () => {
    const name = uniqueName("quota-app");
    await deleteDB(name);
    const outbox = await createOutbox({
      url: brokerUrl(),
      topic: "outbox",
      token: TOKEN,
      autoSync: false,
      database: { name, upgrade: (db) => void db.createObjectStore("docs", { keyPath: "id" }) },
    });
    const free = await fillStorage();
    const doc = { id: "d1", blob: Array.from(randomBytes(120_000)) };
    const failed = await outbox
      .commitWith(["docs"], (tx) => {
        // The app awaits nothing here; its own request fails with the transaction.
        tx.objectStore("docs")
          .put(doc)
          .catch(() => undefined);
        tx.send({ saved: "d1" });
      })
      .then(
        () => "committed",
        (e: unknown) => (isEdgeqError(e) ? e.code : String(e)),
      );
    expect(failed).toBe("quota_exceeded");
    await free();
    expect(await outbox.db.count("docs")).toBe(0);
    expect((await outbox.stats()).pending).toBe(0);
    await outbox.close();
  });
});
