import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

/** Tokens the tests use: one with every right, and narrower ones for 403s. */
export const TEST_TOKENS = {
  "admin-token": [{ topics: "*", rights: ["produce", "consume", "admin"] }],
  "producer-token": [{ topics: "orders", rights: ["produce"] }],
  "consumer-token": [{ topics: "ord*", rights: ["consume"] }],
  // The adversarial grants table (test/adversarial-grants.test.ts): one right each, and one scoped to groups.
  "ag-produce-token": [{ topics: "ag-*", rights: ["produce"] }],
  "ag-consume-token": [{ topics: "ag-*", rights: ["consume"] }],
  "ag-admin-token": [{ topics: "ag-*", rights: ["admin"] }],
  "ag-groups-token": [
    { topics: "ag-*", rights: ["produce", "consume", "admin"], groups: "ag-grp-static-*" },
  ],
};

/** Per-user tokens in the tests: HS256 with this secret (test/auth-tokens.ts mints them). */
export const TEST_JWT = {
  issuer: "edgeq-test",
  audience: "edgeq",
  secret: "test-secret-test-secret-test-secret-0123",
};

// Tests run inside workerd with the real Durable Object SQLite storage.
export default defineConfig({
  // @edgeq/core from its TypeScript source (its "edgeq-source" export condition),
  // so these tests need no build of it. The workers pool resolves through Vite's
  // ssr environment, whose conditions a setting replaces: the plugin's are repeated.
  ssr: {
    resolve: {
      conditions: [
        "edgeq-source",
        "workerd",
        "worker",
        "module",
        "browser",
        "development|production",
      ],
    },
  },
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.jsonc" },
      miniflare: {
        bindings: {
          EDGEQ_TOKENS: JSON.stringify(TEST_TOKENS),
          // Streams under public/ are readable without a token (test/streams-auth.test.ts).
          EDGEQ_ANONYMOUS_STREAMS: JSON.stringify([{ topics: "public/*", rights: ["consume"] }]),
          EDGEQ_JWT: JSON.stringify(TEST_JWT),
          // One JSON line per request would bury the test output (test/metrics.test.ts checks the lines).
          EDGEQ_LOG: "off",
          EDGEQ_TOPICS: JSON.stringify({
            orders: { queueCount: 4 },
            // Security suite (test/security.test.ts).
            sec: { queueCount: 1 },
            // Buckets that do not refill during a test (one token per 100 s), and one that does.
            limited: {
              queueCount: 1,
              rateLimit: {
                produce: { messagesPerSecond: 0.01, burst: 3 },
                consume: { requestsPerSecond: 0.01, burst: 2 },
              },
            },
            paced: { queueCount: 1, rateLimit: { produce: { messagesPerSecond: 10, burst: 10 } } },
            single: { queueCount: 1, maxReconsumeTimes: 2, retrySchedule: [1000, 2000] },
            small: { queueCount: 1, maxMessageBytes: 1024, maxBatchMessages: 5 },
            fast: { queueCount: 2, durability: "async" },
            short: { queueCount: 1, maxMessages: 2 },
            txq: { queueCount: 2, transactionCheckIntervalMs: 100, transactionMaxChecks: 2 },
            txrpc: {
              queueCount: 1,
              transactionCheckIntervalMs: 100,
              transactionChecker: "TX_CHECKER",
            },
            // Cloudflare Queues drop-in (test/cf-*.test.ts).
            cfpull: { queueCount: 1 },
            "cfp-visibility": { queueCount: 1 },
            "cfp-late": { queueCount: 1 },
            "cfp-retry": { queueCount: 1 },
            "cfp-refused": { queueCount: 1 },
            cfjobs: { queueCount: 2, maxReconsumeTimes: 2 },
            cfmany: { queueCount: 2, maxReconsumeTimes: 16 },
            cfdead: { queueCount: 1 },
            // Trace context through the Queues producer and consumer (test/trace-context.test.ts).
            cftrace: { queueCount: 2 },
            // Replication (test/replication.test.ts): one topic per scenario.
            "repl-sync": { queueCount: 1, replication: { replicas: 2, mode: "sync", acks: 2 } },
            "repl-async": { queueCount: 1, replication: { replicas: 1, mode: "async" } },
            "repl-rpc": { queueCount: 1, replication: { replicas: 2, mode: "sync", acks: 2 } },
            "repl-promote": {
              queueCount: 1,
              replication: { replicas: 2, mode: "sync", acks: 1, locationHints: ["weur"] },
            },
            quick: {
              queueCount: 1,
              maxReconsumeTimes: 2,
              retrySchedule: [50, 100],
              defaultVisibilityMs: 100,
            },
          }),
        },
        // A producer Worker for RPC check-backs: it answers what each message's body says.
        serviceBindings: { TX_CHECKER: { name: "tx-checker", entrypoint: "Checker" } },
        workers: [
          {
            name: "tx-checker",
            modules: true,
            compatibilityDate: "2026-04-01",
            script: `
              import { WorkerEntrypoint } from "cloudflare:workers";
              export class Checker extends WorkerEntrypoint {
                async checkLocalTransaction(topic, tx) {
                  return tx.messages[0]?.body?.decision ?? "unknown";
                }
              }
              export default { fetch: () => new Response("checker") };
            `,
          },
        ],
      },
    }),
  ],
  test: {
    include: ["test/**/*.test.ts"],
  },
});
