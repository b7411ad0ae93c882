#!/usr/bin/env node
// A Node consumer over HTTP lease mode: receive a batch, handle each message,
// ack what succeeded, nack what failed (the broker's retry schedule and
// dead-letter queue take it from there). Run next to `npm start`:
//
//   npm start -w @edgeq/example-node-consumer
//
// EDGEQ_URL, EDGEQ_TOKEN, EDGEQ_TOPIC and EDGEQ_GROUP override the defaults.
import { HttpTransport, isRetryableError, retryDelayAfter } from "@edgeq/core";

const url = process.env.EDGEQ_URL ?? "http://127.0.0.1:8787";
const topic = process.env.EDGEQ_TOPIC ?? "orders";
const group = process.env.EDGEQ_GROUP ?? "node-consumer";
const transport = new HttpTransport({ url, token: process.env.EDGEQ_TOKEN ?? "dev-token" });

const stop = new AbortController();
process.on("SIGINT", () => stop.abort());
process.on("SIGTERM", () => stop.abort());

/** Your work goes here. Throwing sends the message to the retry schedule. */
async function handle(message) {
  if (message.body?.type === "order.created") return; // e.g. write to your database
}

let acked = 0;
let failed = 0;
let attempt = 0;
const started = Date.now();
const progress = () =>
  process.stdout.write(
    `\r${topic}/${group}: ${acked} acked, ${failed} sent to retry, ${(acked / ((Date.now() - started) / 1000)).toFixed(1)} msg/s   `,
  );

while (!stop.signal.aborted) {
  try {
    // Long-poll: the call returns as soon as messages arrive, or after 10 s.
    const batch = await transport.receive(topic, group, {
      max: 32,
      visibilityMs: 30_000,
      waitMs: 10_000,
      signal: stop.signal,
    });
    attempt = 0;
    const ok = [];
    const bad = [];
    for (const message of batch) {
      try {
        await handle(message);
        ok.push(message.receipt);
      } catch {
        bad.push(message.receipt);
      }
    }
    if (ok.length) await transport.ack(topic, group, ok);
    if (bad.length) await transport.nack(topic, group, bad);
    acked += ok.length;
    failed += bad.length;
    progress();
  } catch (error) {
    if (stop.signal.aborted) break;
    if (!isRetryableError(error)) throw error;
    // The broker is away: back off (at least its Retry-After) and try again.
    await new Promise((r) => setTimeout(r, retryDelayAfter(error, attempt++)));
  }
}
progress();
process.stdout.write("\nstopped\n");
