import { expect, it } from "vitest";
import { readWorkerConfig, stripJsonc } from "./wrangler-config.js";

// The local runtimes take their date, flags and classes from wrangler.jsonc;
// a misread config would test something other than what is deployed.

it("reads the deployed Worker's settings from wrangler.jsonc", () => {
  const config = readWorkerConfig();
  expect(config.main).toMatch(/packages\/worker\/src\/index\.ts$/);
  expect(config.compatibilityDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(config.durableObjects).toEqual({
    QUEUE: { className: "QueueDO", useSQLite: true },
    STREAMS: { className: "StreamDO", useSQLite: true },
    RATE_LIMITER: { className: "RateLimiterDO", useSQLite: true },
    TOPIC_REGISTRY: { className: "TopicRegistryDO", useSQLite: true },
    REPLICA: { className: "ReplicaDO", useSQLite: true },
  });
});

it("strips comments and trailing commas, not string contents", () => {
  const text = `{
    // a comment
    "url": "https://example.com/*x*/", /* block */
    "list": [1, 2, /* c */ ],
    "nested": { "a": "//", },
  }`;
  expect(JSON.parse(stripJsonc(text))).toEqual({
    url: "https://example.com/*x*/",
    list: [1, 2],
    nested: { a: "//" },
  });
});
