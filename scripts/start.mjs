#!/usr/bin/env node
// `npm start`: the edge broker (wrangler dev, state in .edgeq-state/) and the
// offline-first example app (Vite), side by side. Ctrl-C stops both.
import { runTogether } from "./run-together.mjs";

runTogether(
  [
    ["broker", ["run", "dev", "-w", "@edgeq/worker"]],
    ["app", ["run", "dev", "-w", "@edgeq/example-pwa-outbox"]],
  ],
  {
    banner: `
  edgeq broker  http://127.0.0.1:8787   (token "dev-token", topics in packages/worker/wrangler.jsonc)
  console       http://127.0.0.1:8787/console   (sign in with "dev-token")
  example app   http://127.0.0.1:5173   (examples/pwa-outbox: sign in with any name; works offline, syncs to the broker)
`,
  },
);
