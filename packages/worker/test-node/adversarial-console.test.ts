import { type Browser, chromium, type Page } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../../browser/test/setup/chromium.js";
import { type LocalBroker, startLocalBroker } from "./local-broker.js";

// docs/protocol.md, "Hostile input", in a real headless Chromium against the
// real broker: the console's sign-in returns only to a console page of its
// origin, judged on the URL as the browser resolves it; and a stream stored
// as text/html, readable on the broker's origin, runs no script and cannot
// read the console's token from sessionStorage.

const TOKENS = { "dev-token": [{ topics: "*", rights: ["produce", "consume", "admin"] }] };
const EVIL = "/v1/stream/public/evil";
// What the stored page would do if it ran: put the console's token in its title.
const EVIL_HTML = `<!doctype html><title>stored</title><script>
  try { document.title = "ran:" + JSON.stringify(Object.entries(sessionStorage)); }
  catch (e) { document.title = "ran:" + e.name; }
</script>`;

let broker: LocalBroker;
let browser: Browser;

beforeAll(async () => {
  broker = await startLocalBroker({
    tokens: TOKENS,
    topics: { orders: { queueCount: 1 } },
    bindings: {
      EDGEQ_ANONYMOUS_STREAMS: JSON.stringify([{ topics: "public/*", rights: ["consume"] }]),
    },
  });
  const created = await fetch(`${broker.url}${EVIL}`, {
    method: "PUT",
    headers: { authorization: "Bearer dev-token", "content-type": "text/html" },
    body: EVIL_HTML,
  });
  expect(created.status).toBe(201);
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await tab?.context().close();
  await browser?.close();
  await broker?.stop();
});

let tab: Page;

/**
 * Signs in on `/console/sign-in?next=…` in the shared tab; resolves once the
 * tab has left the sign-in page (on commit: where it goes is the question,
 * not how that page loads).
 */
async function signInWithNext(next: string): Promise<Page> {
  tab ??= await (await browser.newContext()).newPage();
  await tab.goto(`${broker.url}/console/sign-in?next=${encodeURIComponent(next)}`);
  await tab.getByLabel("Token").fill("dev-token");
  await tab.getByRole("button", { name: "Sign in" }).click();
  await tab.waitForURL((url) => url.pathname !== "/console/sign-in", { waitUntil: "commit" });
  return tab;
}

const landing = (page: Page) => {
  const url = new URL(page.url());
  return url.origin === broker.url ? url.pathname + url.search : url.href;
};

describe("sign-in's next=", () => {
  it.each([
    ["/console", "/console"],
    ["/console/topics/orders", "/console/topics/orders"],
    ["/console/topics/orders/messages?queue=0", "/console/topics/orders/messages?queue=0"],
  ])("%s is where it lands", async (next, expected) => {
    const page = await signInWithNext(next);
    expect(landing(page)).toBe(expected);
  });

  it.each([
    `/console/..${EVIL}`,
    `/console/%2e%2e${EVIL}`,
    `/console/%2E%2E${EVIL}`,
    `/console/.%2e${EVIL}`,
    `/console/./..${EVIL}`,
    `/console/..%2f..${EVIL}`,
    `/console/%252e%252e${EVIL}`,
    `/console\\..\\v1\\stream\\public\\evil`,
    `//evil.example${EVIL}`,
    `\\\\evil.example${EVIL}`,
    `https://evil.example/console`,
    "javascript:document.title='ran'",
    "data:text/html,<script>document.title='ran'</script>",
    "/consoles",
    EVIL,
  ])("%s lands on /console instead", async (next) => {
    const page = await signInWithNext(next);
    expect(landing(page)).toBe("/console");
    expect(await page.title()).not.toBe("ran");
  });
});

it("a text/html stream opened in the console's tab runs no script and cannot read its token", async () => {
  const page = await signInWithNext("/console");
  expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
  const answer = await page.goto(`${broker.url}${EVIL}?offset=-1`);
  expect(answer?.status()).toBe(200);
  expect(answer?.headers()["content-type"]).toContain("text/html");
  // Sandboxed: the page rendered (its title), its script did not run, and it has no origin of its own.
  expect(await page.title()).toBe("stored");
  expect(await page.evaluate(() => self.origin)).toBe("null");
  expect(
    await page.evaluate(() => {
      try {
        return sessionStorage.length;
      } catch (e) {
        return (e as Error).name;
      }
    }),
  ).toBe("SecurityError");
});
