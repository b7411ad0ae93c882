import { env, SELF } from "cloudflare:test";
import { expect, it, vi } from "vitest";
import { TOPIC_CACHE_TTL_MS, topicConfig } from "../src/broker/topics.js";
import { useVirtualTime } from "./virtual-time.js";

useVirtualTime();

const put = (topic: string, settings: unknown) =>
  SELF.fetch(`https://edgeq.test/v1/topics/${topic}`, {
    method: "PUT",
    headers: { authorization: "Bearer admin-token", "content-type": "application/json" },
    body: JSON.stringify(settings),
  });

// Copies are kept per env object: a copy of `env` stands for another isolate, which
// sees a change made elsewhere once its copy is older than TOPIC_CACHE_TTL_MS, not before.
const other = { ...env } as Env;

it("another isolate sees a topic change within the cache time, and serves its copy until then", async () => {
  expect((await put("rt-ttl", { queueCount: 1, maxReconsumeTimes: 3 })).status).toBe(201);
  expect((await topicConfig(other, "rt-ttl")).maxReconsumeTimes).toBe(3);
  expect((await put("rt-ttl", { queueCount: 1, maxReconsumeTimes: 5 })).status).toBe(200);
  vi.setSystemTime(Date.now() + TOPIC_CACHE_TTL_MS - 1);
  expect((await topicConfig(other, "rt-ttl")).maxReconsumeTimes).toBe(3);
  vi.setSystemTime(Date.now() + 2);
  expect((await topicConfig(other, "rt-ttl")).maxReconsumeTimes).toBe(5);
  // A fresh read (what the admin calls and a queue being created use) never waits.
  expect((await put("rt-ttl", { queueCount: 1, maxReconsumeTimes: 7 })).status).toBe(200);
  expect((await topicConfig(other, "rt-ttl", { fresh: true })).maxReconsumeTimes).toBe(7);
});
