import type { Message } from "@edgeq/core";
import { deleteDB } from "idb";
import { describe, expect, it } from "vitest";
import { createInbox } from "../src/index.js";
import { broker, brokerUrl, healthyNetwork, TOKEN, uniqueName, until } from "./helpers.js";

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
    await until(() => seen.length >= 10, "the first ten messages");
    await first.close();
    const firstRun = seen.length;

    await produce(10, 5);
    const second = await open();
    await until(() => new Set(seen.map((m) => m.body)).size === 15, "the five new messages");
    await second.close();
    // At least once, but it resumed where it stopped: nothing of the first run came back.
    expect(seen.length - firstRun).toBe(5);
    expect(seen.slice(firstRun).map((m) => m.body)).toEqual(
      expect.arrayContaining([10, 11, 12, 13, 14]),
    );
    // The broker never heard of the group's offsets: they live in the browser.
    expect(await broker().getOffsets("inbox", group)).toEqual({});
  });
});
