import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import {
  type BrokerWorkerOptions,
  brokerWorker,
  bundleWorker,
} from "../../../packages/worker/test-node/local-broker.js";

/**
 * The app (the Cloudflare Queues Worker on edgeq, src/edgeq.ts) and the edgeq
 * broker configured by `broker`, in one Miniflare: the app binds the broker's
 * EdgeqRpc, keeps results in RESULTS and its consumer object in CONSUMER.
 */
export async function appWithBroker(broker: BrokerWorkerOptions): Promise<Miniflare> {
  const [edgeq, app] = await Promise.all([
    brokerWorker(broker),
    bundleWorker(fileURLToPath(new URL("../src/edgeq.ts", import.meta.url))),
  ]);
  const mf = new Miniflare({
    workers: [
      {
        name: "app",
        modules: true,
        scriptPath: app.scriptPath,
        modulesRoot: app.dir,
        compatibilityDate: "2026-04-01",
        serviceBindings: { EDGEQ: { name: "edgeq", entrypoint: "EdgeqRpc" } },
        kvNamespaces: ["RESULTS"],
        durableObjects: { CONSUMER: { className: "JobsConsumer", useSQLite: true } },
      },
      edgeq,
    ],
  });
  await mf.ready;
  return mf;
}
