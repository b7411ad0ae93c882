import { describe, expect, it } from "vitest";
import { consolePath } from "../src/console/client/next-path.js";

const ORIGIN = "https://edgeq.example";

describe("the console's sign-in returns only to a console page of its own origin", () => {
  it.each([
    ["/console", "/console"],
    ["/console/topics/orders", "/console/topics/orders"],
    ["/console/topics/orders/messages?x=1#top", "/console/topics/orders/messages?x=1#top"],
    // Dot segments that stay under /console resolve and are kept.
    ["/console/topics/../topics/orders", "/console/topics/orders"],
  ])("%s → %s", (next, landing) => expect(consolePath(next, ORIGIN)).toBe(landing));

  it.each([
    "/console/../v1/stream/x",
    "/console/%2e%2e/v1/stream/x",
    "/console/%2E%2E/v1/stream/x",
    "/console/.%2e/v1/stream/x",
    "/console/..%2fv1/stream/x",
    "/console/..%5cv1/stream/x",
    "/console\\..\\v1/stream/x",
    "/console/%252e%252e/v1",
    "//evil.example/console",
    "https://evil.example/console",
    "javascript:alert(1)",
    "/consoles",
    "/v1/stream/x",
    "/console/%ff",
    "",
  ])("%s → /console", (next) => expect(consolePath(next, ORIGIN)).toBe("/console"));
});
