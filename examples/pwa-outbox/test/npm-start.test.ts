import { spawn } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// The README's `npm start`, exactly: the root script, run from the repository root.
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BROKER = 8787;
const APP = 5173;

/** Whether something listens on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

it.each([
  {
    how: "npm start, then Ctrl-C (SIGINT to the job's process group)",
    command: ["npm", "start"],
    group: true,
    signal: "SIGINT",
  },
  {
    how: "node scripts/start.mjs, then SIGTERM to it alone (a process manager)",
    command: ["node", "scripts/start.mjs"],
    group: false,
    signal: "SIGTERM",
  },
] as const)(
  "$how: the broker and the app serve, then stop with what they started (no port left held)",
  async ({ command, group, signal }) => {
    expect(await listening(BROKER), "port 8787 is free before the test").toBe(false);
    expect(await listening(APP), "port 5173 is free before the test").toBe(false);
    // In a process group of its own, as a terminal's foreground job: Ctrl-C signals the group.
    const start = spawn(command[0], command.slice(1), {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    start.stdout.on("data", (c) => (output += c));
    start.stderr.on("data", (c) => (output += c));
    const exited = new Promise<void>((resolve) => start.once("exit", () => resolve()));
    try {
      await expect
        .poll(async () => (await listening(BROKER)) && (await listening(APP)), { timeout: 120_000 })
        .toBe(true);
      const health = await fetch(`http://127.0.0.1:${APP}/`);
      expect(health.status).toBe(200);
      const topics = await fetch(`http://127.0.0.1:${BROKER}/v1/topics`, {
        headers: { authorization: "Bearer dev-token" },
      });
      expect(topics.status, output).toBe(200);
    } finally {
      if (start.pid) process.kill(group ? -start.pid : start.pid, signal);
    }
    await exited;
    expect(output).toContain("[broker] exited");
    expect(output).toContain("[app] exited");
    // vite and wrangler's workerd ran as grandchildren: they stopped too.
    await expect
      .poll(async () => (await listening(BROKER)) || (await listening(APP)), { timeout: 30_000 })
      .toBe(false);
  },
);
