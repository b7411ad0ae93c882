import { ManualClock } from "../clock.js";
import { Broker } from "../engine/broker.js";
import { openMemoryStore } from "../store/memory-store.js";
import { runTransportConformance } from "../testing/index.js";
import { LocalTransport } from "./local-transport.js";

runTransportConformance({
  name: "LocalTransport",
  async setup() {
    const broker = await Broker.open({ store: await openMemoryStore(), clock: new ManualClock() });
    await broker.createTopic("conformance", { queueCount: 4, maxReconsumeTimes: 2 });
    const transport = new LocalTransport(broker);
    return { transport, topic: "conformance", maxReconsumeTimes: 2, close: () => broker.close() };
  },
});
