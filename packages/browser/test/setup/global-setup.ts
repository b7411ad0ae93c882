import type { TestProject } from "vitest/node";
import { type FaultProxy, startFaultProxy } from "./fault-proxy.js";
import { startLocalBroker } from "./local-broker.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The broker as the browser sees it: through the fault proxy, cross-origin. */
    brokerUrl: string;
  }
}

/** Shared with the browser commands, which run in this same Node process. */
export const network: { proxy?: FaultProxy } = {};

export default async function setup(project: TestProject) {
  const broker = await startLocalBroker();
  const proxy = await startFaultProxy(broker.url);
  network.proxy = proxy;
  (globalThis as { __edgeqNetwork?: typeof network }).__edgeqNetwork = network;
  project.provide("brokerUrl", proxy.url);
  return async () => {
    await proxy.stop();
    await broker.stop();
  };
}
