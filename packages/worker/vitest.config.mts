import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Tokens the tests use: one with every right, and narrower ones for 403s. */
export const TEST_TOKENS = {
  "admin-token": [{ topics: "*", rights: ["produce", "consume", "admin"] }],
  "producer-token": [{ topics: "orders", rights: ["produce"] }],
  "consumer-token": [{ topics: "ord*", rights: ["consume"] }],
};

// Tests run inside workerd with the real Durable Object SQLite storage.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        bindings: {
          EDGEQ_TOKENS: JSON.stringify(TEST_TOKENS),
          EDGEQ_TOPICS: JSON.stringify({
            orders: { queueCount: 4 },
            single: { queueCount: 1, maxReconsumeTimes: 2, retrySchedule: [1000, 2000] },
            small: { queueCount: 1, maxMessageBytes: 1024, maxBatchMessages: 5 },
            fast: { queueCount: 2, durability: "async" },
            short: { queueCount: 1, maxMessages: 2 },
            quick: {
              queueCount: 1,
              maxReconsumeTimes: 2,
              retrySchedule: [50, 100],
              defaultVisibilityMs: 100,
            },
          }),
        },
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
  },
});
