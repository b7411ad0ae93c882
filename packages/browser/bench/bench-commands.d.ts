import type { BenchRow } from "./setup/record-rows.js";

declare module "vitest/browser" {
  interface BrowserCommands {
    /** Hands goal rows to `npm run bench:all` (bench/setup/record-rows.ts). */
    recordRows(rows: BenchRow[]): Promise<void>;
  }
}
