import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { type Browser, chromium, type Page } from "playwright";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CHROMIUM_ARGS, chromiumPath } from "../../../packages/browser/test/setup/chromium.js";
import { brokerWorker, bundleWorker } from "../../../packages/worker/test-node/local-broker.js";

// The broker (anonymous clients may read the `ticks` stream) and the appender
// Worker in one Miniflare; the page served from another origin, in Chromium.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const TOKEN = "appender-token";

let mf: Miniflare;
let site: Server;
let browser: Browser;
let streamUrl: string;
let pageUrl: string;

beforeAll(async () => {
  const [edgeq, appender, page] = await Promise.all([
    brokerWorker({
      tokens: { [TOKEN]: [{ topics: "ticks", rights: ["produce", "consume"] }] },
      topics: {},
      bindings: {
        EDGEQ_ANONYMOUS_STREAMS: JSON.stringify([{ topics: "ticks", rights: ["consume"] }]),
        EDGEQ_CORS_ORIGINS: "*",
      },
    }),
    bundleWorker(here("../src/appender.ts")),
    bundleWorker(here("../src/page.ts")),
  ]);
  mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      edgeq,
      {
        name: "appender",
        modules: true,
        scriptPath: appender.scriptPath,
        modulesRoot: appender.dir,
        compatibilityDate: "2026-04-01",
        serviceBindings: { EDGEQ: "edgeq" },
        bindings: { EDGEQ_TOKEN: TOKEN, STREAM_PATH: "ticks" },
      },
    ],
  });
  streamUrl = `${(await mf.ready).origin}/v1/stream/ticks`;
  // The page: index.html and the bundled page script, from its own origin.
  const html = await readFile(here("../index.html"), "utf8");
  const script = await readFile(page.scriptPath);
  site = createServer((req, res) => {
    const isScript = req.url?.startsWith("/page.js");
    res.writeHead(200, { "content-type": isScript ? "text/javascript" : "text/html" });
    res.end(isScript ? script : html);
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  pageUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await mf?.dispose();
});

let next = 0;
/** The appender Worker appends one event; answers after the broker stored it. */
async function append(): Promise<void> {
  const n = next++;
  const worker = await mf.getWorker("appender");
  const res = await worker.fetch("http://appender/append", {
    method: "POST",
    body: JSON.stringify({ n, text: `tick ${n}` }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function open(live: "sse" | "long-poll"): Promise<Page> {
  const page = await browser.newPage();
  page.on("pageerror", (error) => console.error("[page]", error.message));
  await page.goto(`${pageUrl}?stream=${encodeURIComponent(streamUrl)}&live=${live}`);
  await page.waitForSelector("body[data-ready=true]");
  return page;
}

/** Waits until the page lists `count` events, then answers their numbers in order. */
async function shown(page: Page, count: number): Promise<number[]> {
  await page.waitForFunction((n) => document.querySelectorAll("#events li").length >= n, count);
  return page.$$eval("#events li", (items) => items.map((li) => Number(li.getAttribute("data-n"))));
}

it("a page follows the stream over SSE: history first, then each append as it lands", async () => {
  await append();
  await append();
  const page = await open("sse");
  expect(await shown(page, 2)).toEqual([0, 1]);
  for (let i = 0; i < 5; i++) await append();
  expect(await shown(page, 7)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  expect(await page.textContent("#status")).toContain("live (sse)");
  await page.close();
});

it("a page follows the same stream with long-polls", async () => {
  const page = await open("long-poll");
  expect(await shown(page, next)).toEqual([...Array(next).keys()]);
  for (let i = 0; i < 3; i++) await append();
  expect(await shown(page, next)).toEqual([...Array(next).keys()]);
  await page.close();
});
