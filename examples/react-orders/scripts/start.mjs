#!/usr/bin/env node
// `npm start -w @edgeq/example-react-orders`: the broker (wrangler dev, state in
// .edgeq-state/) and this app (Vite), side by side. Ctrl-C stops both.
import { runTogether } from "../../../scripts/run-together.mjs";

runTogether(
  [
    ["broker", ["run", "dev", "-w", "@edgeq/worker"]],
    ["app", ["run", "dev", "-w", "@edgeq/example-react-orders"]],
  ],
  {
    // From the repository root, where the workspaces are.
    cwd: new URL("../../..", import.meta.url),
    banner: `
  edgeq broker  http://127.0.0.1:8787   (token "dev-token")
  console       http://127.0.0.1:8787/console
  React app     http://127.0.0.1:5174   (examples/react-orders)
`,
  },
);
