import type { TestProject } from "vitest/node";
import { startFaultProxy } from "./fault-proxy.js";
import { startLocalBroker } from "./local-broker.js";

export default async function setup(project: TestProject) {
  const broker = await startLocalBroker();
  const proxy = await startFaultProxy(broker.url);
  project.provide("brokerUrl", proxy.url);
  return async () => {
    await proxy.stop();
    await broker.stop();
  };
}
