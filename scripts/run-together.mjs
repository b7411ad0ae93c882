// npm scripts side by side, each line prefixed with its name. Ctrl-C, SIGTERM or
// one of them ending stops them all, with what they started (vite, wrangler's
// workerd): each runs in its own process group, and the whole group is signalled.
import { spawn } from "node:child_process";

/** Grace before what did not stop on SIGTERM gets SIGKILL. */
const GRACE_MS = 5000;

/**
 * @param {Array<[string, string[]]>} scripts name and `npm` arguments of each
 * @param {{ cwd?: string | URL, banner: string }} options
 */
export function runTogether(scripts, { cwd, banner }) {
  let running = scripts.length;
  let stopping = false;
  let exitCode = 0;
  const children = scripts.map(([name, args]) => {
    const child = spawn("npm", args, { cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const prefix = (chunk) =>
      chunk
        .toString()
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => `[${name}] ${line}`)
        .join("\n");
    child.stdout.on("data", (c) => console.log(prefix(c)));
    child.stderr.on("data", (c) => console.error(prefix(c)));
    child.on("exit", (code, signal) => {
      console.log(`[${name}] exited with ${code ?? signal}`);
      stop(code ?? 0);
      if (--running === 0) process.exit(exitCode);
    });
    return child;
  });
  console.log(banner);

  const signalAll = (signal) => {
    for (const child of children)
      try {
        process.kill(-child.pid, signal);
      } catch {
        // That group is gone already.
      }
  };
  function stop(code) {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    signalAll("SIGTERM");
    setTimeout(() => {
      signalAll("SIGKILL");
      process.exit(exitCode);
    }, GRACE_MS).unref();
  }
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));
}
