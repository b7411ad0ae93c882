import type { LocalDeadLetter } from "@edgeq/core/durable";
import { describe, expect, it } from "vitest";
import { inspectOutbox } from "../src/index.js";
import { flushEventually, freshOutbox, healthyNetwork, messagesOf, network } from "./helpers.js";

describe("Outbox expiry (maxRetentionMs)", () => {
  it("never sends a message that waited past its retention: it becomes a dead letter `expired`", async () => {
    await healthyNetwork();
    await network.setOffline(true);
    const outbox = await freshOutbox({ maxRetentionMs: 300 });
    const failed: LocalDeadLetter[] = [];
    outbox.addEventListener("failed", (e) => failed.push(e.detail.deadLetter));
    try {
      const stale = await outbox.send({ order: 1 });
      // Its own retention outlives the outbox's.
      const kept = await outbox.send({ order: 2 }, { maxRetentionMs: 600_000 });
      await expect.poll(() => failed.length).toBe(1);
      expect(failed[0]).toMatchObject({ id: stale.id, reason: { code: "expired" } });
      expect((await inspectOutbox(outbox).status(stale.id)).state).toBe("deadLetter");

      await network.setOffline(false);
      // An attempt already on its way while the network comes back fails that flush: try again.
      await flushEventually(outbox);
      const stored = await messagesOf("outbox", outbox.producerId);
      expect(stored.map((m) => m.body)).toEqual([{ order: 2 }]);
      expect(stored[0]?.seq).toBe(kept.seq);
      expect(await outbox.stats()).toMatchObject({ pending: 0, deadLetters: 1, acknowledged: 1 });
      // Kept on the device with the reason, for the app to show, retry or discard.
      expect((await outbox.deadLetters()).map((d) => d.reason.code)).toEqual(["expired"]);
    } finally {
      await outbox.close();
    }
  });
});
