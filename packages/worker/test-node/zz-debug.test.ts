import { DurableStream } from "@durable-streams/client";
import { afterAll, beforeAll, test } from "vitest";
import { type LocalBroker, startLocalBroker } from "./local-broker.js";
let broker: LocalBroker;
beforeAll(async () => {
  broker = await startLocalBroker({ tokens: {}, topics: {}, bindings: { EDGEQ_ANONYMOUS_STREAMS: JSON.stringify([{ topics: "*", rights: ["produce", "consume", "admin"] }]), EDGEQ_STREAM_LONG_POLL_MS: "2000" } });
});
afterAll(() => broker?.stop());
test("debug", async () => {
  const url = `${broker.url.replace(/\/$/, "")}/v1/stream/dbg-${Date.now()}`;
  const stream = await DurableStream.create({ url, contentType: "text/plain" });
  console.log("created");
  const orig = globalThis.fetch;
  const r = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "hi", signal: AbortSignal.timeout(5000) });
  console.log("raw post", r.status, await r.text());
  await stream.append("hello world");
  console.log("appended");
  const res = await stream.stream({ live: false });
  console.log("streamed");
  console.log(await res.text());
}, 15000);
