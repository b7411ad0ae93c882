import type { Fault, ProducedBatch } from "./network.js";

declare module "vitest/browser" {
  interface BrowserCommands {
    injectFault(fault: Fault): Promise<void>;
    setOffline(offline: boolean): Promise<void>;
    resetNetwork(): Promise<void>;
    producedBatches(): Promise<ProducedBatch[]>;
    openPage(path: string): Promise<string>;
    evalInPage(id: string, expression: string): Promise<unknown>;
    closePage(id: string): Promise<void>;
  }
}
