import type { TestProject } from "vitest/node";
import { startFaultProxy } from "./fault-proxy.js";
import { startLocalBroker } from "./local-broker.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The broker as the browser sees it: through the fault proxy, cross-origin. */
    brokerUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const broker = await startLocalBroker();
  const proxy = await startFaultProxy(broker.url);
  project.provide("brokerUrl", proxy.url);
  return async () => {
    await proxy.stop();
    await broker.stop();
  };
}
