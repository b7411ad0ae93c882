import { HttpTransport, type Message } from "@edgeq/core";
import { deleteDB } from "idb";
import { expect, inject } from "vitest";
import { createOutbox, type Outbox, type OutboxOptions } from "../src/index.js";
import type { Fault, ProducedBatch } from "./network.js";

export const TOKEN = "test-token";

export function brokerUrl(): string {
  return inject("brokerUrl");
}

/** The broker as a consumer sees it (no faults on these calls: the proxy is healthy between checks). */
export function broker(): HttpTransport {
  return new HttpTransport({ url: brokerUrl(), token: TOKEN });
}

let n = 0;
/** A name no other test uses, so every test has its own database, lock and channel. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${n++}`;
}

/**
 * An outbox with fast retries, closed by the caller; on a fresh database
 * unless `shared` (deleting a database another tab has open closes that tab's outbox).
 */
export async function freshOutbox(
  overrides: Partial<OutboxOptions> = {},
  shared = false,
): Promise<Outbox> {
  const name = overrides.name ?? uniqueName("outbox");
  if (!shared) await deleteDB(`edgeq-outbox:${name}`);
  return createOutbox({
    url: brokerUrl(),
    topic: "outbox",
    token: TOKEN,
    name,
    backoff: { baseMs: 20, maxMs: 200 },
    syncIntervalMs: 1_000,
    ...overrides,
  });
}

/** Every message of `producerId` in the topic, read from each queue's start. */
export async function messagesOf(topic: string, producerId: string): Promise<Message[]> {
  const transport = broker();
  const { queueCount } = await transport.topicInfo(topic);
  const out: Message[] = [];
  for (let q = 0; q < queueCount; q++) {
    let from = 0;
    for (;;) {
      const page = await transport.read(topic, q, { from, limit: 1000 });
      out.push(...page.messages.filter((m) => m.producerId === producerId));
      if (page.nextOffset >= page.headOffset) break;
      from = page.nextOffset;
    }
  }
  return out.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
}

/**
 * Flushes until a flush resolves: each attempt rejects while the network is
 * failing. Polled by expect.poll, so it has its deadline and, on failure,
 * shows the last flush's error.
 */
export async function flushEventually(outbox: Outbox): Promise<void> {
  const attempt = () =>
    outbox.flush().then(
      () => "flushed",
      (error: unknown) => `flush failed: ${String(error)}`,
    );
  await expect.poll(attempt, { message: "a flush to succeed" }).toBe("flushed");
}

async function control(path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${brokerUrl()}/__proxy${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`proxy control ${path}: ${response.status}`);
  return response.json();
}

/** The test network between the page and the broker (a proxy in Node). */
export const network = {
  inject: (fault: Fault) => control("/fault", fault),
  setOffline: (offline: boolean) => control("/offline", { offline }),
  /** Forgets faults and recorded requests: each test starts on a healthy network. */
  reset: () => control("/reset", {}),
  produced: () => control("/produced") as Promise<ProducedBatch[]>,
};

export async function healthyNetwork(): Promise<void> {
  await network.reset();
}
