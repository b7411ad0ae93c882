import { startLocalBroker } from "../test-node/local-broker.js";
import { freePort, Inspector } from "./inspector.js";
import { BenchClient } from "./load.js";

const port = await freePort();
const b = await startLocalBroker({
  tokens: { t: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
  topics: { a: { queueCount: 1 }, s: { queueCount: 1, durability: "async" } },
  inspectorPort: port,
});
const i = await Inspector.connect(port);
const bench = new BenchClient(b.url, "t");
type Node = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
};
async function prof(name: string, fn: () => Promise<unknown>) {
  await i.send("Profiler.enable");
  await i.send("Profiler.setSamplingInterval", { interval: 200 });
  await i.send("Profiler.start");
  const t0 = performance.now();
  const r = await fn();
  const ms = performance.now() - t0;
  const { profile } = await i.send<{ profile: { nodes: Node[]; samples: number[] } }>(
    "Profiler.stop",
  );
  const self = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const k = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + (n.hitCount ?? 0));
    total += n.hitCount ?? 0;
  }
  const idle = [...self].filter(([k]) => k.startsWith("(idle)")).reduce((a, [, v]) => a + v, 0);
  console.log(
    `\n== ${name}: ${JSON.stringify(r)} in ${ms.toFixed(0)} ms; samples ${total}, idle ${((100 * idle) / total).toFixed(0)}%`,
  );
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
}
const mode = process.argv[2] ?? "lease";
if (mode === "lease") {
  await bench.produce("/v1/topics/a/messages", 20000, 1000, 4);
  await prof("lease 1", () =>
    bench.receiveAndAck(
      { receive: "/v1/topics/a/groups/g/receive", ack: "/v1/topics/a/groups/g/ack" },
      20000,
      1,
    ),
  );
} else if (mode === "produce") {
  await prof("produce 1000x1", () => bench.produce("/v1/topics/a/messages", 50000, 1000, 1));
} else {
  await prof("produce async 100x1", () => bench.produce("/v1/topics/s/messages", 20000, 100, 1));
  await prof("produce sync 100x1", () => bench.produce("/v1/topics/a/messages", 20000, 100, 1));
}
i.close();
await b.stop();
