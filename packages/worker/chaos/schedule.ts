import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  EdgeqError,
  HttpTransport,
  type Message,
  Producer,
  PushConsumer,
  type SendResult,
  type Transport,
} from "@edgeq/core";
import {
  deleteObjectStorage,
  type LocalBroker,
  startLocalBroker,
} from "../test-node/local-broker.js";
import { type FaultKind, startChaosProxy } from "./chaos-proxy.js";
import { between, pick, seededRandom } from "./prng.js";

const TOKEN = "chaos-token";
const TOPIC = "chaos";
const GROUP = "workers";

export interface ScheduleReport {
  seed: number;
  /** Sends that resolved: the broker acknowledged them. */
  messages: number;
  /** Sends that rejected after all retries (not acknowledged, so not owed). */
  failedSends: number;
  faults: Record<FaultKind, number>;
  restarts: number;
  crashes: number;
  /** Replicated schedules: the primaries' storage deleted while stopped, then replica 0 promoted. */
  storageLosses: number;
  /** Acknowledged (producerId, seq) missing from the log. */
  lost: string[];
  /** (producerId, seq) stored more than once. */
  duplicated: string[];
  /** A producer's messages out of seq order within a queue. */
  misordered: string[];
  /** Messages in the log the group never processed successfully. */
  unprocessed: string[];
  /** Committed offsets that passed a message no consumer had taken. */
  skipped: string[];
  /** Successful handler runs beyond the first for a message (at least once, not exactly once). */
  redeliveries: number;
}

/** Options of a schedule. */
export interface ScheduleOptions {
  /**
   * The topic's queues are replicated synchronously to 2 replicas (acks 2),
   * and one event of a schedule may be "primary storage lost → promote":
   * the runtime stops, every queue's primary storage is deleted, it starts
   * again and replica 0 of each queue is promoted.
   */
  replicated?: boolean;
}

const REPLICATION = { replicas: 2, mode: "sync", acks: 2 };

/**
 * One seeded schedule: producers send through the chaos proxy while a push
 * consumer processes; meanwhile the broker is restarted over its persisted
 * state and the consumer crashes mid-batch. Then the network calms, the group
 * drains, and the log is checked against what the producers were told.
 */
export async function runSchedule(
  seed: number,
  options: ScheduleOptions = {},
): Promise<ScheduleReport> {
  const random = seededRandom(seed);
  const dir = await mkdtemp(join(tmpdir(), "edgeq-chaos-"));
  const topic = {
    queueCount: 2,
    retrySchedule: [50, 100, 200],
    ...(options.replicated ? { replication: REPLICATION } : {}),
  };
  const start = () =>
    startLocalBroker({
      persistDir: dir,
      tokens: { [TOKEN]: [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
      topics: { [TOPIC]: topic },
    });
  let broker: LocalBroker | undefined = await start();
  const proxy = await startChaosProxy(() => broker?.url, random);
  const report: ScheduleReport = {
    seed,
    messages: 0,
    failedSends: 0,
    faults: proxy.counts,
    restarts: 0,
    crashes: 0,
    storageLosses: 0,
    lost: [],
    duplicated: [],
    misordered: [],
    unprocessed: [],
    skipped: [],
    redeliveries: 0,
  };
  const acked = new Map<string, SendResult>();
  const processed = new Map<string, number>();
  const taken = new Set<string>();
  const consumers = new ConsumerFleet(proxy.url, processed, taken, random);

  try {
    await consumers.spawn();
    const producing = produce(proxy.url, random, acked, report);
    // Restarts and crashes land while messages are in flight.
    const events = between(random, 1, 3);
    for (let i = 0; i < events; i++) {
      await sleep(between(random, 30, 250));
      // Once per replicated schedule at most: after it the primaries are replicas' objects.
      if (options.replicated && report.storageLosses === 0 && random() < 0.4) {
        const old = broker;
        broker = undefined;
        await old?.stop();
        await deleteObjectStorage(dir, "QueueDO");
        broker = await start();
        await promoteAll(broker.url);
        report.storageLosses++;
      } else if (random() < 0.5) {
        const old = broker;
        broker = undefined;
        await old?.stop();
        broker = await start();
        report.restarts++;
      } else {
        await consumers.crash();
        report.crashes++;
        await consumers.spawn();
      }
      await checkCommitted(broker!.url, taken, report);
    }
    await producing;
    proxy.calm();
    await drain(broker!.url, processed);
    await checkLog(broker!.url, acked, processed, report);
    await checkCommitted(broker!.url, taken, report);
    for (const runs of processed.values()) report.redeliveries += runs - 1;
  } finally {
    await consumers.close();
    await proxy.stop();
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return report;
}

/** The operator's failover: replica 0 of every queue becomes its primary (straight to the broker). */
async function promoteAll(url: string): Promise<void> {
  for (const queueId of [0, 1]) {
    const response = await fetch(`${url}/v1/topics/${TOPIC}/queues/${queueId}/promote`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ replica: 0 }),
    });
    if (!response.ok)
      throw new Error(`promote ${queueId}: ${response.status} ${await response.text()}`);
  }
}

/** Two or three producers, each sending 10 to 25 messages in small batches, keyed or not. */
async function produce(
  url: string,
  random: () => number,
  acked: Map<string, SendResult>,
  report: ScheduleReport,
): Promise<void> {
  const transport = new HttpTransport({ url, token: TOKEN });
  const count = between(random, 2, 3);
  await Promise.all(
    Array.from({ length: count }, async (_, p) => {
      const producer = new Producer(transport, {
        topic: TOPIC,
        producerId: `producer-${p}`,
        retries: 10,
        backoff: { baseMs: 20, maxMs: 300 },
        random,
      });
      const keyed = random() < 0.5;
      let remaining = between(random, 10, 25);
      while (remaining > 0) {
        const size = Math.min(remaining, between(random, 1, 3));
        remaining -= size;
        const batch = Array.from({ length: size }, () => ({
          body: { producer: p, n: remaining },
          ...(keyed ? { key: pick(random, ["k1", "k2", "k3"]) } : {}),
        }));
        try {
          const results = await producer.sendBatch(batch);
          for (const r of results) acked.set(`producer-${p}#${r.seq}`, r);
          report.messages += results.length;
        } catch {
          report.failedSends += size;
        }
      }
    }),
  );
}

/** Push consumers of the group, one at a time; a crash kills one mid-batch (no final commit). */
class ConsumerFleet {
  private current: { consumer: PushConsumer; dead: { value: boolean } } | undefined;

  constructor(
    private readonly url: string,
    private readonly processed: Map<string, number>,
    private readonly taken: Set<string>,
    private readonly random: () => number,
  ) {}

  async spawn(): Promise<void> {
    const dead = { value: false };
    const transport = killable(new HttpTransport({ url: this.url, token: TOKEN }), dead);
    const consumer = new PushConsumer(transport, {
      topic: TOPIC,
      group: GROUP,
      batchSize: 8,
      pollWaitMs: 100,
      idleDelayMs: 20,
      commitIntervalMs: 100,
      retryPollIntervalMs: 50,
      // A crashed consumer's leases on retried messages expire quickly, as they would in a real deployment.
      visibilityMs: 1000,
      backoff: { baseMs: 20, maxMs: 300 },
      onError: () => undefined,
      handler: async (message: Message) => {
        this.taken.add(`${message.queueId}:${message.offset}`);
        await sleep(Math.floor(this.random() * 5));
        // A crashed process does not finish its handlers.
        if (dead.value) throw new EdgeqError("closed", "crashed");
        // Handlers fail now and then: the message goes to the retry schedule.
        if (this.random() < 0.05) throw new Error("handler failed");
        this.processed.set(message.msgId, (this.processed.get(message.msgId) ?? 0) + 1);
      },
    });
    this.current = { consumer, dead };
    await consumer.start();
  }

  async crash(): Promise<void> {
    if (!this.current) return;
    this.current.dead.value = true;
    await this.current.consumer.close();
    this.current = undefined;
  }

  async close(): Promise<void> {
    await this.current?.consumer.close();
  }
}

/** A transport that fails every call once its process is dead, as a crashed process would. */
function killable(inner: Transport, dead: { value: boolean }): Transport {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        if (dead.value) return Promise.reject(new EdgeqError("closed", "the process crashed"));
        return value.apply(target, args);
      };
    },
  });
}

/** Waits (on a calm network) until every message in the log was processed successfully. */
async function drain(url: string, processed: Map<string, number>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const log = await readLog(url);
    if (log.every((m) => processed.has(m.msgId))) return;
    await sleep(50);
  }
}

async function readLog(url: string): Promise<Message[]> {
  const direct = new HttpTransport({ url, token: TOKEN });
  const out: Message[] = [];
  for (const queueId of [0, 1]) {
    let from = 0;
    for (;;) {
      const page = await direct.read(TOPIC, queueId, { from, limit: 1000 });
      out.push(...page.messages);
      if (page.nextOffset >= page.headOffset) break;
      from = page.nextOffset;
    }
  }
  return out;
}

async function checkLog(
  url: string,
  acked: Map<string, SendResult>,
  processed: Map<string, number>,
  report: ScheduleReport,
): Promise<void> {
  const log = await readLog(url);
  const stored = new Map<string, number>();
  const lastSeq = new Map<string, number>();
  for (const m of log) {
    const id = `${m.producerId}#${m.seq}`;
    stored.set(id, (stored.get(id) ?? 0) + 1);
    const order = `${m.producerId}@${m.queueId}`;
    if ((m.seq ?? 0) <= (lastSeq.get(order) ?? 0)) report.misordered.push(id);
    lastSeq.set(order, m.seq ?? 0);
    if (!processed.has(m.msgId)) report.unprocessed.push(m.msgId);
  }
  for (const [id, count] of stored) if (count > 1) report.duplicated.push(id);
  for (const id of acked.keys()) if (!stored.has(id)) report.lost.push(id);
}

/** Every offset below the group's committed offset was taken by a consumer before. */
async function checkCommitted(
  url: string,
  taken: Set<string>,
  report: ScheduleReport,
): Promise<void> {
  const direct = new HttpTransport({ url, token: TOKEN });
  const offsets = await direct.getOffsets(TOPIC, GROUP).catch(() => ({}) as Record<string, number>);
  for (const [queueId, committed] of Object.entries(offsets))
    for (let offset = 0; offset < committed; offset++)
      if (!taken.has(`${queueId}:${offset}`)) report.skipped.push(`${queueId}:${offset}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
