import type { NormalizedAppend } from "./validate.js";

declare const appendText: unique symbol;

/** A validated batch as one JSON text (`appendToText`): what crosses to an engine in another isolate. */
export type AppendText = string & { readonly [appendText]: true };

/**
 * A validated batch as one text: a line of JSON with everything but the JSON
 * bodies, then each JSON body's text (`NormalizedMessage.json`) on a line of
 * its own, in order. JSON text has no raw line break, so the lines cannot
 * run together, and neither side parses or escapes a body: the receiver
 * takes each as the string it is. A host whose engine runs behind RPC (a
 * Durable Object) sends this: the call copies one string, where a batch of
 * objects costs a structured clone of every part of every message.
 */
export function appendToText(batch: NormalizedAppend): AppendText {
  const bodies: string[] = [];
  const messages = batch.messages.map(({ json, ...m }) => {
    if (json !== undefined) bodies.push(json);
    return m;
  });
  return [JSON.stringify({ ...batch, messages }), ...bodies].join("\n") as AppendText;
}

/**
 * The batch `appendToText` wrote, for the engine it was sent to. It is not
 * validated again: the text comes from the host's own edge, which validated
 * the batch (the brand says so), as a batch of objects over RPC would.
 */
export function appendFromText(text: AppendText): NormalizedAppend {
  const lines = text.split("\n");
  const batch = JSON.parse(lines[0]!) as NormalizedAppend;
  let next = 1;
  for (const m of batch.messages) if (!m.bytes) m.json = lines[next++];
  return batch;
}
