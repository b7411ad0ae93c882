import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { selectedEngines } from "../../../packages/browser/test/setup/engines/engine-list.js";
import {
  type LocalBroker,
  startLocalBroker,
} from "../../../packages/worker/test-node/local-broker.js";
import { type AppBrowser, launchAppBrowser, waitFor } from "./support/app-browser.js";
import { startSwitchableNetwork } from "./support/switchable-network.js";

// The README's walkthrough runs on `npm start`: the app's own `dev` script, Vite's
// dev server with HMR, its /@vite/client and /src/main.ts served from memory. The
// service worker is served from /src/sw.ts there, and must still control the
// whole app and open it with the network off.
const root = fileURLToPath(new URL("..", import.meta.url));

let broker: LocalBroker;

beforeAll(async () => {
  broker = await startLocalBroker({
    // The app signs its people in (dev/sign-in.ts); this test sends nothing.
    tokens: {},
    topics: { orders: { queueCount: 4 } },
  });
});

afterAll(async () => {
  await broker?.stop();
});

/**
 * The app's dev server, as `npm start` runs it, behind a switchable network:
 * one per engine. (WebKit after Firefox on one dev server stayed "installing"
 * its service worker for a minute; a server of its own, as a person has, does not.)
 */
async function startDevServer() {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const vite: ChildProcess = spawn(devCommand(port), {
    cwd: root,
    shell: true,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, VITE_EDGEQ_URL: broker.url, NODE_ENV: "development" },
    detached: true,
  });
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  while (
    !(await fetch(url).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || vite.exitCode !== null) throw new Error(`no dev server at ${url}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // The network between the browser and the dev server, switched off below.
  const network = await startSwitchableNetwork(url);
  return {
    network,
    async stop() {
      await network.stop();
      if (vite.pid) process.kill(-vite.pid, "SIGTERM");
    },
  };
}

/** The package's `dev` script, as `npm start` runs it, on a port of this test's own. */
function devCommand(port: number): string {
  const scripts = JSON.parse(readFileSync(`${root}/package.json`, "utf8")).scripts as {
    dev: string;
  };
  const command = scripts.dev.replace("--port 5173", `--port ${port}`);
  expect(command).toContain(`--port ${port}`);
  // The workspace's own Vite (node_modules/.bin), as `npm run dev` would find it.
  return `npx --no-install ${command}`;
}

describe.each(selectedEngines())("%s", (engine) => {
  let browser: AppBrowser;
  let server: Awaited<ReturnType<typeof startDevServer>>;
  let network: Awaited<ReturnType<typeof startSwitchableNetwork>>;
  beforeAll(async () => {
    server = await startDevServer();
    network = server.network;
    browser = await launchAppBrowser(engine);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("under `npm start` (HMR on), open, reload, network off, reload: the app opens from the service worker's cache", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(network.url);
      await waitFor(page, `document.body.dataset.ready === "true"`);
      // At once, as the new user did: the worker may still be installing, so
      // this page's first scripts can load past it (the case that failed offline).
      // WebKitGTK never installs a worker whose page reloads while the worker evaluates
      // (test/install-reload.test.ts): the page is ready once its worker is registered,
      // and the dev worker fetches nothing as it evaluates (src/main.ts, dev/service-worker.ts).
      await page.reload();
      await waitFor(page, `document.body.dataset.ready === "true"`);
      // What the person sees once the app can open offline.
      await waitFor(
        page,
        `document.body.dataset.offlineReady === "true"`,
        20_000,
        `navigator.serviceWorker.getRegistration().then((r) => [r?.installing?.state, r?.waiting?.state, r?.active?.state, !!navigator.serviceWorker.controller, document.body.dataset.ready])`,
      );
      expect(await page.evaluate(`navigator.serviceWorker.ready.then((r) => r.scope)`)).toBe(
        network.url,
      );
      // The worker is the one file /sw.js, as the build's (dev/service-worker.ts).
      expect(
        await page.evaluate(`navigator.serviceWorker.ready.then((r) => r.active.scriptURL)`),
      ).toBe(`${network.url}sw.js`);
      network.setOffline(true);
      await page.reload();
      await waitFor(page, `document.body.dataset.ready === "true"`);
      expect(await page.evaluate(`document.querySelector("h1").textContent`)).toBe("Field orders");
      // HMR's client was answered from the cache too (it is what loads first).
      expect(
        await page.evaluate(
          `performance.getEntriesByType("resource").some((e) => e.name.endsWith("/@vite/client"))`,
        ),
      ).toBe(true);
    } finally {
      network.setOffline(false);
      await context.close();
    }
  });
});
