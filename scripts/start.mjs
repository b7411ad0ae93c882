#!/usr/bin/env node
// `npm start`: the edge broker (wrangler dev, state in .edgeq-state/) and the
// offline-first example app (Vite), side by side. Ctrl-C stops both.
import { spawn } from "node:child_process";

const children = [
  ["broker", ["run", "dev", "-w", "@edgeq/worker"]],
  ["app", ["run", "dev", "-w", "@edgeq/example-pwa-outbox"]],
].map(([name, args]) => {
  const child = spawn("npm", args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
  const prefix = (chunk) =>
    chunk
      .toString()
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => `[${name}] ${line}`)
      .join("\n");
  child.stdout.on("data", (c) => console.log(prefix(c)));
  child.stderr.on("data", (c) => console.error(prefix(c)));
  child.on("exit", (code) => {
    console.log(`[${name}] exited with ${code}`);
    stop(code ?? 1);
  });
  return child;
});

console.log(`
  edgeq broker  http://127.0.0.1:8787   (token "dev-token", topics in packages/worker/wrangler.jsonc)
  console       http://127.0.0.1:8787/console   (sign in with "dev-token")
  example app   http://127.0.0.1:5173   (examples/pwa-outbox: sign in with any name; works offline, syncs to the broker)
`);

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500);
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
