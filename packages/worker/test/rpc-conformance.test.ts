import { DEFAULT_TOPIC_CONFIG } from "@edgeq/core/engine";
import { runTransportConformance } from "@edgeq/core/testing";
import { RpcTransport } from "../src/rpc/rpc-transport.js";
import { rpcBinding as binding } from "./worker-fixtures.js";

// The test runner exposes the main module's entrypoints as loopback bindings.

// `orders` (vitest.config.mts): 4 queues, the default maxReconsumeTimes.
runTransportConformance({
  name: "RpcTransport",
  setup: async () => ({
    transport: new RpcTransport(binding),
    topic: "orders",
    maxReconsumeTimes: DEFAULT_TOPIC_CONFIG.maxReconsumeTimes,
  }),
});
