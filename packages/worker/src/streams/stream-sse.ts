import { bytesToBase64 } from "@edgeq/core/util";
import { formatOffset, nextCursor, traceResponseHeaders } from "./stream-headers.js";
import { isJsonType, mediaType } from "./stream-record.js";
import type { ReadOutcome } from "./stream-types.js";

/** How a stream's bytes travel in SSE `data:` lines: as text, or base64 for binary types. */
export function sseEncoding(contentType: string): "text" | "base64" {
  const type = mediaType(contentType);
  return type.startsWith("text/") || isJsonType(type) ? "text" : "base64";
}

/** Reads the stream from an offset, long-polling at the tail; one call per RPC. */
export type SseRead = (from: number, waitMs: number) => Promise<ReadOutcome>;

export interface SseOptions {
  from: number | "now";
  /** Each wait at the tail. */
  waitMs: number;
  /** The connection is closed after this long, so CDNs can collapse clients (about 60 s). */
  maxMs: number;
  cursor: string | undefined;
  signal: AbortSignal;
}

/**
 * The SSE body of a live read: a `data` event for each read with data,
 * each followed by a `control` event with the next offset and cursor (and
 * `upToDate`, `streamClosed` when true). It waits at the tail with
 * long-polls on the stream's object, which wake on an append, so nothing
 * polls on a timer; it ends when the stream is closed and read to the end,
 * the client goes away, or `maxMs` passes.
 */
export function sseBody(read: SseRead, first: ReadOutcome, options: SseOptions): ReadableStream {
  const encoder = new TextEncoder();
  const startedAt = Date.now();
  let cursor = options.cursor;
  // The client went away (the body was cancelled) or the request was aborted.
  let gone = false;
  options.signal.addEventListener("abort", () => {
    gone = true;
  });
  return new ReadableStream({
    async start(controller) {
      const emit = (outcome: ReadOutcome) => {
        const { state } = outcome;
        const json = isJsonType(state.contentType);
        const data =
          outcome.body.byteLength > 0 && !(json && outcome.next === outcome.from)
            ? dataEvent(outcome.body, state.contentType)
            : "";
        const atTail = outcome.next === state.tail;
        const ended = atTail && state.closed;
        // A closed stream has no more live reads, so no cursor to collapse them by.
        if (!ended) cursor = nextCursor(cursor, Date.now());
        const control = {
          streamNextOffset: formatOffset(outcome.next),
          ...(ended ? { streamClosed: true } : { streamCursor: cursor }),
          ...(atTail ? { upToDate: true } : {}),
          // The trace context of the data event's appends, when they were made in one.
          ...(data ? traceResponseHeaders(outcome.trace) : {}),
        };
        // One chunk for both: a reader that stops at the first event boundary gets the pair.
        controller.enqueue(
          encoder.encode(`${data}event: control\ndata:${JSON.stringify(control)}\n\n`),
        );
        return ended;
      };
      try {
        let outcome = first;
        let ended = emit(outcome);
        while (!ended && !gone && Date.now() - startedAt < options.maxMs) {
          const atTail = outcome.next === outcome.state.tail;
          const next = await read(outcome.next, atTail ? options.waitMs : 0);
          // A wait that ran out with nothing new: nothing to tell the client.
          if (next.next === outcome.next && next.state.closed === outcome.state.closed) {
            outcome = next;
            continue;
          }
          outcome = next;
          ended = emit(outcome);
        }
        if (!gone) controller.close();
      } catch (error) {
        if (!gone) controller.error(error);
      }
    },
    cancel() {
      gone = true;
    },
  });
}

/** One `data` event; every line of the payload is its own `data:` line, so no payload can end the event. */
function dataEvent(body: Uint8Array, contentType: string): string {
  const text =
    sseEncoding(contentType) === "base64" ? bytesToBase64(body) : new TextDecoder().decode(body);
  const lines = text.split(/\r\n|\r|\n/);
  return `event: data\n${lines.map((line: string) => `data:${line}`).join("\n")}\n\n`;
}
