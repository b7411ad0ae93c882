import { SELF } from "cloudflare:test";
import { type FetchLike, HttpTransport } from "@edgeq/core";
import { DEFAULT_TOPIC_CONFIG } from "@edgeq/core/engine";
import { runTransportConformance } from "@edgeq/core/testing";

const fetch: FetchLike = (url, init) => SELF.fetch(url, init);

// `orders` (vitest.config.mts): 4 queues, the default maxReconsumeTimes.
runTransportConformance({
  name: "HttpTransport",
  setup: async () => ({
    transport: new HttpTransport({ url: "https://edgeq.test", token: "admin-token", fetch }),
    topic: "orders",
    maxReconsumeTimes: DEFAULT_TOPIC_CONFIG.maxReconsumeTimes,
  }),
});
