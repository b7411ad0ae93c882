import type { Message } from "@edgeq/core";
import { deleteDB } from "idb";
import { describe, expect, it, onTestFinished } from "vitest";
import { commands } from "vitest/browser";
import { createInbox, type InboxOptions } from "../src/index.js";
import { broker, brokerUrl, healthyNetwork, TOKEN, uniqueName } from "./helpers.js";

type Handled = Pick<Message, "msgId" | "producerId" | "body" | "reconsumeTimes">;

/** Retries at once instead of the default schedule's 10 s, 30 s, …; quick polls. */
const FAST: Partial<InboxOptions> = {
  pollWaitMs: 100,
  retryPollIntervalMs: 20,
  sendBackDelayMs: 0,
  onError: () => undefined,
};

/**
 * Another browser: the inbox fixture page in a browser context of its own
 * (its own IndexedDB), on the same topic with the default group `inbox`,
 * and a handler that never fails.
 */
async function openOtherBrowser(databaseName: string): Promise<string> {
  const query = new URLSearchParams({
    url: brokerUrl(),
    token: TOKEN,
    topic: "inbox",
    databaseName,
  });
  const id = await commands.openPage(`/test/fixtures/inbox.html?${query}`, { newBrowser: true });
  onTestFinished(async () => {
    await commands.evalInPage(id, "inboxPage.close()");
    await commands.closePage(id);
  });
  await commands.evalInPage(id, "inboxPage.ready()");
  return id;
}

const handledIn = async (page: string, producerId: string) =>
  (await commands.evalInPage(
    page,
    `inboxPage.handled(${JSON.stringify(producerId)})`,
  )) as Handled[];

/** Sends `bodies` as one producer's messages; returns their msgIds, in order. */
async function produce(producerId: string, bodies: unknown[]): Promise<string[]> {
  const sent = await broker().send("inbox", {
    producerId,
    messages: bodies.map((body, seq) => ({ seq, body: body as Message["body"] })),
  });
  return sent.map((r) => r.msgId ?? "");
}

/** The broker knows nothing of the browsers' group: no offsets, no retries, no dead letters. */
async function expectNoGroupAtTheBroker(): Promise<void> {
  expect((await broker().stats("inbox")).groups.inbox).toBeUndefined();
  expect(await broker().getOffsets("inbox", "inbox")).toEqual({});
}

describe("Inbox", () => {
  it("resumes from the offsets it persisted in IndexedDB after being closed", async () => {
    await healthyNetwork();
    const databaseName = uniqueName("inbox-db");
    const group = uniqueName("group");
    await deleteDB(databaseName);
    const producerId = uniqueName("feed");
    const produce = (from: number, count: number) =>
      broker().send("inbox", {
        producerId,
        messages: Array.from({ length: count }, (_, i) => ({ seq: from + i, body: from + i })),
      });
    await produce(0, 10);

    const seen: Message[] = [];
    const open = () =>
      createInbox({
        url: brokerUrl(),
        token: TOKEN,
        topic: "inbox",
        group,
        databaseName,
        pollWaitMs: 100,
        handler: (m) => {
          if (m.producerId === producerId) seen.push(m);
        },
      });
    const first = await open();
    await expect
      .poll(() => seen.length, { message: "the first ten messages" })
      .toBeGreaterThanOrEqual(10);
    await first.close();
    const firstRun = seen.length;

    await produce(10, 5);
    const second = await open();
    await expect
      .poll(() => new Set(seen.map((m) => m.body)).size, { message: "the five new messages" })
      .toBe(15);
    await second.close();
    // At least once, but it resumed where it stopped: nothing of the first run came back.
    expect(seen.length - firstRun).toBe(5);
    expect(seen.slice(firstRun).map((m) => m.body)).toEqual(
      expect.arrayContaining([10, 11, 12, 13, 14]),
    );
    // The broker never heard of the group's offsets: they live in the browser.
    expect(await broker().getOffsets("inbox", group)).toEqual({});
  });

  it("retries a failed message in the browser that failed it, never in another browser of the same group", async () => {
    await healthyNetwork();
    // One database name for both: the browsers keep their groups apart, not the names.
    const databaseName = uniqueName("inbox-two-browsers");
    await deleteDB(databaseName);
    const producerId = uniqueName("two-browsers");
    const ids = await produce(producerId, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const flaky = ids[3];

    const other = await openOtherBrowser(databaseName);
    const here: Handled[] = [];
    const inbox = await createInbox({
      url: brokerUrl(),
      token: TOKEN,
      topic: "inbox",
      databaseName,
      ...FAST,
      handler: ({ msgId, producerId: from, body, reconsumeTimes }) => {
        if (from !== producerId) return;
        here.push({ msgId, producerId: from, body, reconsumeTimes });
        if (msgId === flaky && reconsumeTimes < 2) throw new Error("this browser fails it twice");
      },
    });
    onTestFinished(() => inbox.close());

    // This browser: the failed message again and again, counting up, then done.
    await expect
      .poll(() => here.filter((m) => m.msgId === flaky).map((m) => m.reconsumeTimes))
      .toEqual([0, 1, 2]);
    await expect.poll(() => inbox.stats().inProcess).toBe(0);
    expect(inbox.stats()).toMatchObject({ failed: 2, sentBack: 2 });
    expect(here.filter((m) => m.msgId === flaky).map((m) => m.body)).toEqual([3, 3, 3]);
    const rest = here.filter((m) => m.msgId !== flaky);
    expect(rest.map((m) => m.msgId).sort()).toEqual(ids.filter((id) => id !== flaky).sort());
    expect(rest.every((m) => m.reconsumeTimes === 0)).toBe(true);

    // The other browser: every message once, first delivery each, none of this one's retries.
    await expect.poll(async () => (await handledIn(other, producerId)).length).toBe(10);
    const there = await handledIn(other, producerId);
    expect(there.map((m) => m.msgId).sort()).toEqual([...ids].sort());
    expect(there.map((m) => m.body).sort((a, b) => Number(a) - Number(b))).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(there.every((m) => m.reconsumeTimes === 0)).toBe(true);
    expect(await commands.evalInPage(other, "inboxPage.stats()")).toMatchObject({
      failed: 0,
      sentBack: 0,
    });
    await expectNoGroupAtTheBroker();
  });

  it("keeps a message it always fails in this browser's dead letters, and redrives it", async () => {
    await healthyNetwork();
    const databaseName = uniqueName("inbox-dead");
    await deleteDB(databaseName);
    const producerId = uniqueName("poison");
    const order = { order: 7, lines: ["unreadable"] };
    const [poison = ""] = await produce(producerId, [order]);
    const other = await openOtherBrowser(databaseName);

    let failing = true;
    const attempts: number[] = [];
    const handled: Handled[] = [];
    const inbox = await createInbox({
      url: brokerUrl(),
      token: TOKEN,
      topic: "inbox",
      databaseName,
      ...FAST,
      maxReconsumeTimes: 2,
      handler: ({ msgId, producerId: from, body, reconsumeTimes }) => {
        if (from !== producerId) return;
        if (failing) {
          attempts.push(reconsumeTimes);
          throw new Error("this browser cannot handle it");
        }
        handled.push({ msgId, producerId: from, body, reconsumeTimes });
      },
    });
    onTestFinished(() => inbox.close());

    // The first delivery and two retries, then the local dead letters.
    await expect.poll(async () => (await inbox.deadLetters()).length).toBe(1);
    const [dead] = await inbox.deadLetters();
    expect(dead).toMatchObject({
      reason: "max_reconsume_times",
      message: { msgId: poison, producerId, body: order, reconsumeTimes: 2 },
    });
    expect(attempts).toEqual([0, 1, 2]);
    // Nowhere else: the other browser handled it once and has no dead letter.
    await expect.poll(async () => (await handledIn(other, producerId)).length).toBe(1);
    expect(await handledIn(other, producerId)).toMatchObject([
      { msgId: poison, body: order, reconsumeTimes: 0 },
    ]);
    expect(await commands.evalInPage(other, "inboxPage.deadLetters()")).toBe(0);
    await expectNoGroupAtTheBroker();

    // Redriven: back to the handler, which now takes it, and out of the dead letters.
    failing = false;
    expect(await inbox.redrive([poison])).toBe(1);
    await expect.poll(() => handled.length).toBe(1);
    expect(handled[0]).toMatchObject({ msgId: poison, producerId, body: order });
    expect(await inbox.deadLetters()).toEqual([]);
    expect(attempts).toEqual([0, 1, 2]);
  });
});
