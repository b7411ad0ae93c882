import type { OutgoingMessage, Transport } from "@edgeq/core";
import { tracedSend } from "@edgeq/core/trace";
import { type EdgeqRpcTarget, RpcTransport } from "../rpc/rpc-transport.js";
import { startQueueConsumer } from "../shared/consumer-start.js";
import { CF_LIMITS, CONTENT_TYPE_HEADER, type EncodedBody, encodeBody } from "./content.js";
import { type BacklogMetrics, backlogOf, queueMetrics } from "./metrics.js";

/** `QueueSendOptions`, plus edgeq's ordering key. */
export interface QueueProducerSendOptions {
  contentType?: "text" | "bytes" | "json" | "v8";
  delaySeconds?: number;
  /** edgeq: messages with one key go to one queue, in order (Cloudflare orders best-effort). */
  key?: string;
}

/** A `MessageSendRequest`, plus edgeq's ordering key. */
export interface QueueProducerRequest<Body> extends QueueProducerSendOptions {
  body: Body;
}

/** What `send` and `sendBatch` answer: Cloudflare's `{ metadata: { metrics } }`. */
export interface QueueProducerResponse {
  metadata: { metrics: BacklogMetrics };
}

/** Options of `createQueueProducer`: the topic and how its answers are filled. */
export interface QueueProducerOptions {
  /**
   * The consumer group whose backlog `metrics()` reports. Default: the group
   * furthest behind (Cloudflare has one consumer per queue; edgeq, any number).
   */
  group?: string;
  /**
   * Whether `send`/`sendBatch` answers carry the backlog, as Cloudflare's do.
   * It costs one stats call (every queue of the topic) per send. Default
   * `true`; with `false` the answers report 0 for both counts.
   */
  sendMetrics?: boolean;
  /**
   * Longest `delaySeconds` accepted. Default 40 days (edgeq's `maxDelayMs`);
   * Cloudflare refuses more than 86,400 (24 h): set that to behave exactly alike.
   */
  maxDelaySeconds?: number;
  /**
   * The consumer object to start: the binding of the class `createQueueConsumerObject`
   * made (for example `env.JOBS_CONSUMER`). The first send that succeeds starts it (see
   * `startQueueConsumer`), once per isolate, and from then on it drains the topic by
   * itself, as Cloudflare starts a `queue()` consumer with no call from the app. Without
   * it, call `startQueueConsumer` yourself.
   */
  consumer?: DurableObjectNamespace;
}

/** A Cloudflare `Queue<Body>` whose messages go to an edgeq topic. */
export interface QueueProducer<Body = unknown> {
  /** Sends one message; resolves once it is durable in the topic. */
  send(body: Body, options?: QueueProducerSendOptions): Promise<QueueProducerResponse>;
  /** Sends up to 100 messages in one append. */
  sendBatch(
    messages: Iterable<QueueProducerRequest<Body>>,
    options?: { delaySeconds?: number },
  ): Promise<QueueProducerResponse>;
  /** The topic's backlog: message count and bytes. */
  metrics(): Promise<BacklogMetrics>;
}

const DEFAULT_MAX_DELAY_SECONDS = 40 * 86_400;

/**
 * Cloudflare's producer API over edgeq: `createQueueProducer(env.EDGEQ,
 * "jobs")` is assignable to `Queue<Body>` of @cloudflare/workers-types, so
 * code written for `env.JOBS.send(...)` runs unchanged against a topic.
 *
 * `target` is a service binding to the edgeq Worker's `EdgeqRpc` entrypoint,
 * or any core `Transport` (e.g. `HttpTransport` from outside Cloudflare).
 * Checks and errors follow Cloudflare's: a body that does not fit its content
 * type, an undefined body or an empty batch rejects with a TypeError; a
 * message over 128 KB, a batch over 100 messages or 256 KB, or a bad delay
 * rejects with `Error("Queue send failed: …")` and stores nothing; a broker
 * failure rejects with `Error("Queue send failed: …")` whose `cause` is the
 * EdgeqError. A batch is one append: all of it is stored or none.
 *
 * Like Cloudflare's, a send is not idempotent: if its answer is lost and the
 * caller sends again, the message is stored twice (use the core `Producer`
 * or `DurableProducer` for exactly-once storage).
 */
export function createQueueProducer<Body = unknown>(
  target: EdgeqRpcTarget | Transport,
  topic: string,
  options: QueueProducerOptions = {},
): QueueProducer<Body> {
  const transport = toTransport(target);
  const maxDelaySeconds = options.maxDelaySeconds ?? DEFAULT_MAX_DELAY_SECONDS;
  const sendMetrics = options.sendMetrics ?? true;

  const deliver = async (
    encoded: Array<EncodedBody & { delaySeconds?: number; key?: string }>,
    what: "send" | "sendBatch",
  ): Promise<QueueProducerResponse> => {
    const messages: OutgoingMessage[] = encoded.map((m) => ({
      body: m.body,
      headers: { [CONTENT_TYPE_HEADER]: m.contentType },
      ...(m.key === undefined ? {} : { key: m.key }),
      ...(m.delaySeconds ? { delayMs: m.delaySeconds * 1000 } : {}),
    }));
    try {
      // A PRODUCER span whose context each message carries (when the app called useOpenTelemetry).
      await tracedSend(topic, messages, (stamped) => transport.send(topic, { messages: stamped }));
    } catch (error) {
      throw new Error(`Queue ${what} failed: ${(error as Error).message}`, { cause: error });
    }
    if (options.consumer) await startOnce(options.consumer);
    if (!sendMetrics) return { metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } };
    const { group: _, ...metrics } = backlogOf(await transport.stats(topic), options.group);
    return { metadata: { metrics } };
  };

  const checkDelay = (delay: number | undefined, what: string): void => {
    if (delay === undefined) return;
    if (!Number.isInteger(delay) || delay < 0 || delay > maxDelaySeconds)
      throw new Error(
        `Queue ${what} failed: message delay ${delay} is invalid: it must be an integer from 0 to ${maxDelaySeconds} seconds`,
      );
  };

  return {
    async send(body, sendOptions = {}) {
      const encoded = encodeBody(body, sendOptions.contentType);
      checkDelay(sendOptions.delaySeconds, "send");
      if (encoded.bytes > CF_LIMITS.messageBytes)
        throw new Error(
          `Queue send failed: message length of ${encoded.bytes} bytes exceeds limit of ${CF_LIMITS.messageBytes}`,
        );
      return deliver([{ ...encoded, ...sendOptions, contentType: encoded.contentType }], "send");
    },

    async sendBatch(requests, batchOptions = {}) {
      const list = [...requests];
      if (list.length === 0) throw new TypeError("sendBatch() requires at least one message");
      checkDelay(batchOptions.delaySeconds, "sendBatch");
      const encoded = list.map((r) => {
        const e = encodeBody(r.body, r.contentType);
        checkDelay(r.delaySeconds, "sendBatch");
        const delaySeconds = r.delaySeconds ?? batchOptions.delaySeconds;
        return {
          ...e,
          ...(delaySeconds === undefined ? {} : { delaySeconds }),
          ...(r.key === undefined ? {} : { key: r.key }),
        };
      });
      if (list.length > CF_LIMITS.batchMessages)
        throw new Error(
          `Queue sendBatch failed: batch message count of ${list.length} exceeds limit of ${CF_LIMITS.batchMessages}`,
        );
      const largest = Math.max(...encoded.map((e) => e.bytes));
      if (largest > CF_LIMITS.messageBytes)
        throw new Error(
          `Queue sendBatch failed: message in batch has length ${largest} bytes which exceeds single message size limit of ${CF_LIMITS.messageBytes}`,
        );
      const total = encoded.reduce((n, e) => n + e.bytes, 0);
      if (total > CF_LIMITS.batchBytes)
        throw new Error(
          `Queue sendBatch failed: batch size of ${total} bytes exceeds limit of ${CF_LIMITS.batchBytes}`,
        );
      return deliver(encoded, "sendBatch");
    },

    metrics() {
      const source = {
        stats: () => transport.stats(topic),
        read: (queueId: number, o: { from: number; limit: number }) =>
          transport.read(topic, queueId, o),
      };
      return queueMetrics(source, options.group);
    },
  };
}

/**
 * A service binding (a Fetcher: it has `connect`) becomes an RpcTransport;
 * anything else is taken as a core Transport.
 */
export function toTransport(target: EdgeqRpcTarget | Transport): Transport {
  const candidate = target as { connect?: unknown } | null;
  if (
    typeof candidate === "object" &&
    candidate !== null &&
    typeof candidate.connect !== "function"
  )
    return target as Transport;
  return new RpcTransport(target as EdgeqRpcTarget);
}

/**
 * Consumer objects this isolate has started. Keyed by the binding, which the runtime hands
 * every request of the isolate: a started object keeps its alarm armed by itself, so one
 * start per isolate is enough, and a send costs no extra call after the first.
 */
const started = new WeakMap<DurableObjectNamespace, Promise<void>>();

/**
 * Starts the consumer object unless this isolate already did. The message is stored
 * whatever happens here: a failed start is logged, not thrown (a thrown send would be sent
 * again, and stored twice), and the next send tries again.
 */
async function startOnce(namespace: DurableObjectNamespace): Promise<void> {
  let start = started.get(namespace);
  if (!start) {
    start = startQueueConsumer(namespace);
    started.set(namespace, start);
  }
  try {
    await start;
  } catch (error) {
    started.delete(namespace);
    console.error("edgeq: could not start the queue consumer object", error);
  }
}
