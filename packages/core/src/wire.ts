import type { MessageBody } from "./model.js";
import { base64ToBytes, bytesToBase64 } from "./util/bytes.js";

/**
 * A message as JSON carries it (docs/protocol.md): a bytes body travels as base64
 * text flagged `"encoding": "base64"`; any other body as itself.
 */
export type WireMessage<M extends { body: MessageBody }> = Omit<M, "body"> & {
  body: unknown;
  encoding?: "base64" | "json";
};

/** Encodes a message (sent, or served) for JSON: bytes become base64. The one encoder of every surface. */
export function messageToWire<M extends { body: MessageBody }>(message: M): WireMessage<M> {
  if (message.body instanceof Uint8Array)
    return { ...message, body: bytesToBase64(message.body), encoding: "base64" };
  return message;
}

/** Decodes what `messageToWire` made: a base64 body becomes bytes again. */
export function messageFromWire<M extends { body: MessageBody }>(message: M | WireMessage<M>): M {
  const wire = message as WireMessage<M>;
  if (wire.encoding !== "base64" || typeof wire.body !== "string") return message as M;
  const { encoding: _encoding, ...rest } = wire;
  return { ...rest, body: base64ToBytes(wire.body) } as unknown as M;
}
