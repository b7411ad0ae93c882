import type { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it } from "vitest";
import { appWithBroker } from "./app-and-broker.js";

const TOKEN = "cf-queues-test-token";
let mf: Miniflare;

/** The app (the Cloudflare Queues Worker on edgeq) and the edgeq broker, in one Miniflare. */
beforeAll(async () => {
  mf = await appWithBroker({
    tokens: { [TOKEN]: [{ topics: "*", rights: ["consume"] }] },
    topics: { jobs: { queueCount: 2, maxReconsumeTimes: 3 } },
  });
});

afterAll(async () => {
  await mf?.dispose();
});

const send = async (jobs: Array<{ id: number; kind: string }>) => {
  const res = await mf.dispatchFetch("http://app/jobs", {
    method: "POST",
    body: JSON.stringify(jobs),
  });
  expect(await res.json()).toEqual({ queued: jobs.length });
};

async function results(): Promise<Map<string, string>> {
  const kv = await mf.getKVNamespace("RESULTS", "app");
  const out = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await kv.list(cursor === undefined ? {} : { cursor });
    for (const key of page.keys) out.set(key.name, (await kv.get(key.name)) ?? "");
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  return out;
}

async function deadLetters(): Promise<
  Array<{ message: { body: { id: number }; reconsumeTimes: number } }>
> {
  const edgeq = await mf.getWorker("edgeq");
  const res = await edgeq.fetch("http://edgeq/v1/topics/jobs/groups/cf-jobs/dlq", {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return ((await res.json()) as { messages: never[] }).messages;
}

it("the first send starts the consumer: the queue() handler runs unchanged, with no start call (acks, retries, the poisoned job dead-lettered)", async () => {
  const jobs = [
    ...Array.from({ length: 6 }, (_, i) => ({ id: i + 1, kind: "ok" })),
    { id: 7, kind: "flaky" },
    { id: 8, kind: "flaky" },
    { id: 9, kind: "poison" },
  ];
  await send(jobs);
  // Nothing else is called: the consumer object's alarm, armed by that send, drains "jobs".
  await expect
    .poll(async () => (await deadLetters()).map((d) => d.message.body.id), {
      timeout: 30_000,
      interval: 200,
    })
    .toEqual([9]);
  const seen = await results();
  // Every job but the poisoned one handled once; the flaky ones on their second attempt.
  for (const { id, kind } of jobs.filter((j) => j.kind !== "poison"))
    expect(seen.get(`done:${id}`), `job ${id}`).toBe(kind === "flaky" ? "2" : "1");
  expect(seen.has("done:9")).toBe(false);
  // max_retries 3: four attempts of the poisoned job, counted in `attempts`, then the DLQ.
  const poisonAttempts = [...seen.keys()].filter((k) => k.startsWith("attempt:9:")).sort();
  expect(poisonAttempts).toEqual(["attempt:9:1", "attempt:9:2", "attempt:9:3", "attempt:9:4"]);
  expect(seen.get("attempt:9:1")).toBe("jobs"); // batch.queue
});

it("keeps consuming by itself: later sends are handled with no call from outside", async () => {
  await send([
    { id: 101, kind: "ok" },
    { id: 102, kind: "flaky" },
  ]);
  // The alarm long-polls edgeq: wait for the handler's results, bounded.
  await expect
    .poll(
      async () => {
        const seen = await results();
        return [seen.get("done:101"), seen.get("done:102")];
      },
      { timeout: 20_000, interval: 100 },
    )
    .toEqual(["1", "2"]);
});

it("one drain from anywhere (a cron, a test) runs the same consumer", async () => {
  await send([{ id: 201, kind: "ok" }]);
  // The alarm may take it first; either way it is handled once, and a drain finds the topic idle after.
  await expect
    .poll(
      async () => {
        const report = (await (
          await mf.dispatchFetch("http://app/consumer/drain", { method: "POST" })
        ).json()) as { idle: boolean };
        return { idle: report.idle, done: (await results()).get("done:201") };
      },
      { timeout: 20_000, interval: 200 },
    )
    .toEqual({ idle: true, done: "1" });
});
