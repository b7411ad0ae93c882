import type { NormalizedAppend, NormalizedMessage } from "./validate.js";

declare const appendText: unique symbol;

/** A validated batch as one JSON text (`appendToText`): what crosses to an engine in another isolate. */
export type AppendText = string & { readonly [appendText]: true };

/**
 * A validated batch as one JSON text, each JSON body spliced in as the text
 * its validation wrote (`NormalizedMessage.json`), not serialised again. A
 * host whose engine runs behind RPC (a Durable Object) sends this: the call
 * then copies one string, where a batch of objects costs a structured clone
 * of every part of every body, on both sides.
 */
export function appendToText(batch: NormalizedAppend): AppendText {
  const { messages, ...rest } = batch;
  const parts = messages.map(messageText);
  return `${opened(JSON.stringify(rest))}"messages":[${parts.join(",")}]}` as AppendText;
}

/**
 * The batch `appendToText` wrote, for the engine it was sent to. It is not
 * validated again: the text comes from the host's own edge, which validated
 * the batch (the brand says so), as a batch of objects over RPC would.
 */
export function appendFromText(text: AppendText): NormalizedAppend {
  return JSON.parse(text) as NormalizedAppend;
}

function messageText(m: NormalizedMessage): string {
  const { body, json, ...meta } = m;
  return `${opened(JSON.stringify(meta))}"body":${json ?? JSON.stringify(body)}}`;
}

/** An object's JSON text opened for one more member: `{"a":1,` from `{"a":1}`, `{` from `{}`. */
function opened(object: string): string {
  return object.length > 2 ? `${object.slice(0, -1)},` : "{";
}
