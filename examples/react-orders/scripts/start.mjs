#!/usr/bin/env node
// `npm start -w @edgeq/example-react-orders`: the broker (wrangler dev, state in
// .edgeq-state/) and this app (Vite), side by side. Ctrl-C stops both.
import { spawn } from "node:child_process";

const children = [
  ["broker", ["run", "dev", "-w", "@edgeq/worker"]],
  ["app", ["run", "dev", "-w", "@edgeq/example-react-orders"]],
].map(([name, args]) => {
  // From the repository root, where the workspaces are.
  const child = spawn("npm", args, {
    cwd: new URL("../../..", import.meta.url),
    stdio: ["ignore", "pipe", "pipe"],
  });
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
  edgeq broker  http://127.0.0.1:8787   (token "dev-token")
  console       http://127.0.0.1:8787/console
  React app     http://127.0.0.1:5174   (examples/react-orders)
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
