import type { AppendRequest, SendResult } from "../model.js";
import { messageToWire } from "../wire.js";
import { type HttpCall, type HttpTransportOptions, httpCall, topicPath } from "./http-call.js";
import type { CallOptions, Transport } from "./transport.js";

/** `POST /v1/topics/:topic/messages` (docs/protocol.md): one batch, one result per message. */
export async function sendOverHttp(
  call: HttpCall,
  topic: string,
  request: AppendRequest,
  options?: CallOptions,
): Promise<SendResult[]> {
  const messages = request.messages.map(messageToWire);
  const { results } = await call<{ results: SendResult[] }>(
    "POST",
    `${topicPath(topic)}/messages`,
    options,
    { ...request, messages },
  );
  return results;
}

/**
 * Only the produce half of `HttpTransport`: what a `DurableProducer` needs
 * (`send`), with the same requests, token handling and errors. A browser
 * outbox uses it so its bundle carries no consumer, admin or transaction calls.
 *
 * @example
 * ```ts
 * import { createHttpSender, DurableProducer } from "@edgeq/core/durable";
 * import { openMemoryStore } from "@edgeq/core/store";
 *
 * const producer = await DurableProducer.open(await openMemoryStore(), {
 *   topic: "orders",
 *   transport: createHttpSender({ url: "https://queue.example.com", token: "…" }),
 * });
 * ```
 */
export function createHttpSender(options: HttpTransportOptions): Pick<Transport, "send"> {
  const call = httpCall(options);
  return { send: (topic, request, callOptions) => sendOverHttp(call, topic, request, callOptions) };
}
