import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Engine,
  selectedEngines,
} from "../../../packages/browser/test/setup/engines/engine-list.js";
import { type AppBrowser, type AppPage, launchAppBrowser, waitFor } from "./support/app-browser.js";

// What each engine does with a service worker whose page reloads while the
// worker is being set up: a static page and a ten-line worker, nothing of edgeq.
// Why the app registers its worker first and serves it as one file under
// `npm start` (src/main.ts, dev/service-worker.ts).

/** Registers /sw.js on every load; `observe()` says where the registration and the worker are. */
const PAGE = `<!doctype html><body><script>
navigator.serviceWorker.register("/sw.js").then(
  () => { document.body.dataset.registered = "resolved"; },
  (e) => { document.body.dataset.registered = String(e); });
const seen = () => new Promise((resolve) => {
  const channel = new BroadcastChannel("worker");
  channel.onmessage = (e) => resolve(e.data);
  channel.postMessage("?");
  setTimeout(() => resolve([]), 1000);
});
window.observe = () => Promise.all([
  navigator.serviceWorker.getRegistration().then((r) =>
    r?.active?.state ?? r?.waiting?.state ?? r?.installing?.state ?? "none"),
  seen(),
  document.body.dataset.registered ?? "pending",
]).then(([state, events, registered]) => ({ state, events, registered }));
</script></body>`;

/** The worker: one import fetched while it evaluates (importScripts), and what it has seen. */
const WORKER = `importScripts("/import.js");
const events = ["evaluated"];
const channel = new BroadcastChannel("worker");
channel.onmessage = () => channel.postMessage(events);
addEventListener("install", () => events.push("install"));
addEventListener("activate", () => events.push("activate"));`;

/** A static origin whose `held` file is answered only once the test releases it. */
async function startOrigin(held: "/sw.js" | "/import.js") {
  const waiting: ServerResponse[] = [];
  let released = false;
  let requested!: () => void;
  const heldRequested = new Promise<void>((resolve) => {
    requested = resolve;
  });
  const files: Record<string, [string, string]> = {
    "/": ["text/html", PAGE],
    "/sw.js": ["text/javascript", WORKER],
    "/import.js": ["text/javascript", "// nothing but a fetch"],
  };
  const answer = (res: ServerResponse, path: string) => {
    const [type, body] = files[path]!;
    res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store" }).end(body);
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://origin").pathname;
    if (!files[path]) return void res.writeHead(404).end();
    if (path !== held || released) return answer(res, path);
    requested();
    waiting.push(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    heldRequested,
    release() {
      released = true;
      for (const res of waiting.splice(0)) answer(res, held);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Observed {
  state: string;
  events: string[];
  registered: string;
}

/**
 * Where the registration is once the worker settled, or still is after
 * `deadlineMs`: one that never installs can only be seen as not done by then.
 */
async function settled(page: AppPage, deadlineMs: number): Promise<Observed> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const seen = (await page.evaluate(`observe()`)) as Observed;
    if (seen.state === "activated" || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const INSTALLED: Observed = {
  state: "activated",
  events: ["evaluated", "install", "activate"],
  registered: "resolved",
};

/**
 * WebKitGTK 2.50: the worker evaluated, but `install` never comes; the
 * reloaded page's own register() waits behind that job, and so would an
 * update() or unregister() (measured: still pending a minute later, and in a
 * new window of the same browser too), for as long as the browser runs.
 */
const STUCK: Observed = { state: "installing", events: ["evaluated"], registered: "pending" };

const afterReloadDuringEvaluation: Record<Engine, Observed> = {
  chromium: INSTALLED,
  firefox: INSTALLED,
  webkit: STUCK,
};

describe.each(selectedEngines())("%s", (engine) => {
  let browser: AppBrowser;
  beforeAll(async () => {
    browser = await launchAppBrowser(engine);
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Opens the page, reloads it while `held` is on its way, then lets `held` through. */
  async function reloadWhileFetching(held: "/sw.js" | "/import.js"): Promise<Observed> {
    const origin = await startOrigin(held);
    // A context of its own: WebKit's stuck registration would outlive the test in a shared one.
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(origin.url);
      await origin.heldRequested;
      await page.reload();
      origin.release();
      // The worker evaluated: from here on, only the engine decides whether it installs.
      await waitFor(page, `observe().then((o) => o.events.includes("evaluated"))`);
      return await settled(page, 10_000);
    } finally {
      await context.close();
      await origin.close();
    }
  }

  it("a reload while the worker fetches an import as it evaluates: Chromium and Firefox install it, WebKitGTK never fires install", async () => {
    expect(await reloadWhileFetching("/import.js")).toEqual(afterReloadDuringEvaluation[engine]);
  });

  it("a reload while the page fetches the worker's own script: every engine installs it (the reloaded page registers again)", async () => {
    expect(await reloadWhileFetching("/sw.js")).toEqual(INSTALLED);
  });
});
