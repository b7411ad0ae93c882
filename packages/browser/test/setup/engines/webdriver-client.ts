import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

/**
 * A minimal W3C WebDriver (classic) client over fetch: the handful of
 * endpoints the WebKit provider needs. WebKitWebDriver serves one session per
 * process, so every session here owns its own driver process.
 */
export interface WebDriverSession {
  readonly id: string;
  command<T = unknown>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<T>;
  /** Runs `expression` in the current window; awaits a Promise it returns. */
  evaluate(expression: string): Promise<unknown>;
  /** Navigates the current window and waits for its load event (module scripts have run). */
  navigate(url: string): Promise<void>;
  quit(): Promise<void>;
}

export interface StartWebDriverOptions {
  /** argv of the driver, a `--port=N` is appended. */
  command: string[];
  capabilities: Record<string, unknown>;
  /** How long the driver and its browser may take to come up. */
  startTimeoutMs?: number;
}

export async function startWebDriverSession(
  options: StartWebDriverOptions,
): Promise<WebDriverSession> {
  const port = await freePort();
  const [file, ...args] = options.command;
  if (!file) throw new Error("no WebDriver command");
  // detached: its own process group, so quit() ends xvfb-run, the driver and the browser together.
  const driver = spawn(file, [...args, `--port=${port}`], { stdio: "ignore", detached: true });
  live.add(driver);
  driver.once("exit", () => live.delete(driver));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  try {
    await waitForDriver(base, driver, deadline);
    const created = await request<{ sessionId: string }>(base, "POST", "/session", {
      capabilities: { alwaysMatch: options.capabilities },
    });
    return session(base, created.sessionId, driver);
  } catch (error) {
    killGroup(driver);
    throw error;
  }
}

function session(base: string, id: string, driver: ChildProcess): WebDriverSession {
  const command = <T>(method: "GET" | "POST" | "DELETE", path: string, body?: unknown) =>
    request<T>(base, method, `/session/${id}${path}`, body);
  return {
    id,
    command,
    async evaluate(expression) {
      // WebKit's error.stack leaves out the message, hence both.
      // Indirect eval: the expression sees the page's globals (e.g. a fixture's `tab`), not this wrapper's.
      const outcome = await command<{ ok?: unknown; error?: string }>("POST", "/execute/async", {
        script: `const done = arguments[arguments.length - 1];
          Promise.resolve().then(() => (0, eval)(arguments[0]))
            .then((ok) => done({ ok }), (e) => done({ error: String(e) + "\\n" + (e && e.stack) }));`,
        args: [expression],
      });
      if (outcome.error !== undefined) throw new Error(outcome.error);
      return outcome.ok;
    },
    async navigate(url) {
      await command("POST", "/url", { url });
      // WebKitWebDriver answers a new window's navigation at readyState "interactive",
      // before its module scripts ran (measured): wait for "complete" ourselves.
      await this.evaluate(
        `document.readyState === "complete" || new Promise((r) => addEventListener("load", () => r(true), { once: true }))`,
      );
    },
    async quit() {
      await command("DELETE", "").catch(() => undefined);
      killGroup(driver);
    },
  };
}

async function request<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = (await response.json()) as { value: T & { error?: string; message?: string } };
  if (!response.ok || (payload.value && typeof payload.value === "object" && payload.value.error))
    throw new Error(
      `WebDriver ${method} ${path}: ${payload.value?.error}: ${payload.value?.message}`,
    );
  return payload.value;
}

async function waitForDriver(base: string, driver: ChildProcess, deadline: number): Promise<void> {
  let exited = false;
  driver.once("exit", () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`the WebDriver process exited before serving ${base}`);
    const up = await fetch(`${base}/status`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return;
    if (Date.now() > deadline) throw new Error(`no WebDriver at ${base} in time`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Drivers still running when Vitest exits (a run cut short skips close()) go with it,
// Xvfb and MiniBrowser included: nothing is left on a shared CI machine.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) killGroup(child);
});

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
