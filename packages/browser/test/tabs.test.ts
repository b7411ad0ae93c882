import { describe, expect, it } from "vitest";
import { commands } from "vitest/browser";
import type { Outbox } from "../src/index.js";
import {
  brokerUrl,
  freshOutbox,
  healthyNetwork,
  messagesOf,
  network,
  TOKEN,
  uniqueName,
} from "./helpers.js";

/** Opens the fixture page as another tab of this origin, on the outbox `name`. */
async function openTab(name: string): Promise<string> {
  const query = new URLSearchParams({ url: brokerUrl(), token: TOKEN, name });
  const id = await commands.openPage(`/test/fixtures/tab.html?${query}`);
  await commands.evalInPage(id, "tab.ready()");
  return id;
}

const tabState = async (id: string) => (await commands.evalInPage(id, "tab.state()")) as string;

/** No seq of the producer was forwarded to the broker by two requests at once. */
async function expectNoConcurrentResend(producerId: string): Promise<void> {
  const forwarded = (await network.produced())
    .filter((b) => b.producerId === producerId && b.outcome === "forwarded")
    .flatMap((b) => b.seqs);
  expect(new Set(forwarded).size).toBe(forwarded.length);
}

describe("several tabs on one outbox", () => {
  it("syncs from one tab at a time and hands over when that tab closes", async () => {
    await healthyNetwork();
    const name = uniqueName("tabs");
    // The other page opens first, so it holds the sync lock.
    const other = await openTab(name);
    await expect
      .poll(() => tabState(other), { message: "the first tab to lead" })
      .not.toBe("standby");
    const here: Outbox = await freshOutbox({ name }, true);
    expect(here.state).toBe("standby");

    // Sent here, synced by the other tab: this tab hears the acknowledgement.
    const acknowledged = new Promise<number[]>((resolve) =>
      here.addEventListener("acknowledged", (e) => resolve(e.detail.messages.map((m) => m.seq))),
    );
    await here.send("from the test tab");
    await commands.evalInPage(other, 'tab.send("from the other tab")');
    await expect
      .poll(async () => (await here.stats()).pending, { message: "the other tab to sync" })
      .toBe(0);
    expect((await acknowledged).length).toBeGreaterThan(0);
    expect(here.state).toBe("standby");

    // Closing the page releases its lock: this tab takes over.
    await commands.closePage(other);
    await expect.poll(() => here.state, { message: "this tab to take over" }).not.toBe("standby");
    await here.send("after the takeover");
    await here.flush();
    const stored = await messagesOf("outbox", here.producerId);
    expect(stored.map((m) => m.body).sort()).toEqual(
      ["after the takeover", "from the other tab", "from the test tab"].sort(),
    );
    expect(stored.map((m) => m.seq)).toEqual([1, 2, 3]);
    await expectNoConcurrentResend(here.producerId);
    await here.close();
  });

  it("never sends one message from two tabs, even with lost answers and a takeover", async () => {
    await healthyNetwork();
    const name = uniqueName("tabs-chaos");
    const other = await openTab(name);
    await expect
      .poll(() => tabState(other), { message: "the first tab to lead" })
      .not.toBe("standby");
    const here = await freshOutbox({ name }, true);
    await network.inject({ kind: "drop-response", count: 2 });
    for (let i = 0; i < 30; i++) {
      if (i % 2) await here.send(i);
      else await commands.evalInPage(other, `tab.send(${i})`);
    }
    await commands.closePage(other);
    await expect.poll(() => here.state, { message: "this tab to take over" }).not.toBe("standby");
    await expect
      .poll(async () => (await here.stats()).pending, { message: "everything to be delivered" })
      .toBe(0);
    const stored = await messagesOf("outbox", here.producerId);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(stored.map((m) => m.body).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    );
    await here.close();
  });
});
