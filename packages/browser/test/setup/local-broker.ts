import { startLocalBroker as startWorker } from "../../../worker/test-node/local-broker.js";

/** Tokens of the local broker the browser tests talk to. */
export const BROKER_TOKENS = {
  "test-token": [{ topics: "*", rights: ["produce", "consume", "admin"] }],
  "other-token": [{ topics: "*", rights: ["produce", "consume", "admin"] }],
  "read-only-token": [{ topics: "*", rights: ["consume"] }],
};

/** Topics of the local broker: small ones so tests see rejections quickly. */
export const BROKER_TOPICS = {
  outbox: { queueCount: 2 },
  tiny: { queueCount: 1, maxMessageBytes: 2048 },
  inbox: { queueCount: 2 },
  // test/trace-context.test.ts
  traced: { queueCount: 2 },
  bench: { queueCount: 1 },
};

/**
 * The real edge broker from @edgeq/worker in a local workerd (the worker
 * package's own launcher), reached by the browser cross-origin as a deployed
 * app reaches its Worker.
 */
export function startLocalBroker() {
  return startWorker({ tokens: BROKER_TOKENS, topics: BROKER_TOPICS });
}
