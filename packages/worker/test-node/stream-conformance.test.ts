import { runConformanceTests } from "@durable-streams/server-conformance-tests";
import { afterAll, beforeAll } from "vitest";
import { type LocalBroker, startLocalBroker } from "./local-broker.js";

/**
 * The official Durable Streams server conformance suite
 * (`@durable-streams/server-conformance-tests`) against the broker in a local
 * workerd. The suite sends no credentials, so this broker grants anonymous
 * clients every right on streams (`EDGEQ_ANONYMOUS_STREAMS`). Long-polls wait
 * 2 s here instead of 20, so the tests that wait one out stay short.
 */
const LONG_POLL_MS = 2_000;

let broker: LocalBroker;
const options = { baseUrl: "", longPollTimeoutMs: LONG_POLL_MS };

beforeAll(async () => {
  broker = await startLocalBroker({
    tokens: {},
    topics: {},
    bindings: {
      EDGEQ_ANONYMOUS_STREAMS: JSON.stringify([
        { topics: "*", rights: ["produce", "consume", "admin"] },
      ]),
      EDGEQ_STREAM_LONG_POLL_MS: String(LONG_POLL_MS),
    },
  });
  // The suite reads baseUrl when each test runs, after this hook.
  options.baseUrl = broker.url.replace(/\/$/, "");
});

afterAll(() => broker?.stop());

runConformanceTests(options);
