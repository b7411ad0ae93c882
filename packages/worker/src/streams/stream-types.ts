/**
 * What the Worker and a StreamDO say to each other over RPC: a Durable
 * Streams request parsed and validated by the Worker (headers, JSON), and
 * the stream's state the Worker turns back into headers.
 */

/** A stream's settings, fixed at creation: a PUT that repeats them is idempotent. */
export interface StreamConfig {
  /** As the creator sent it (answered on reads); compared by media type, case-insensitively. */
  contentType: string;
  /** `Stream-TTL`: the stream expires this many seconds after its last read or write. */
  ttlSeconds?: number;
  /** `Stream-Expires-At`, in ms since the epoch. */
  expiresAt?: number;
}

/** A fork as requested: the source stream and where in it the fork branches off. */
export interface ForkRequest {
  /** The source's path (its object name). */
  path: string;
  /** Edgeq offset in the source; undefined: the source's tail. */
  offset?: number;
  /** How much of the append at `offset` the fork also inherits: bytes, or JSON items. */
  subOffset?: number;
}

/** What a source lends a new fork: its settings, and how far the fork inherits its log. */
export interface ForkGrant extends StreamConfig {
  incarnation: string;
  /** The fork inherits the source's appends before this offset... */
  end: number;
  /** ...and this head of the append at `end` (a sub-offset). */
  partial?: AppendContent;
}

/** A `PUT` as the Worker parsed it. */
export interface CreateRequest extends StreamConfig {
  /** Whether `contentType` came from the request (a fork inherits its source's otherwise). */
  explicitType: boolean;
  closed: boolean;
  /** Initial content: bytes, or JSON items already flattened. */
  content?: AppendContent;
  /** The initial content's trace context. */
  trace?: TraceContext;
  fork?: ForkRequest;
}

/**
 * One append's content as the log stores it, one edgeq message per append:
 * bytes, or in JSON mode the texts of its messages joined by commas (the
 * inside of a JSON array), so a read joins appends without parsing them.
 */
export type AppendContent = { bytes: Uint8Array } | { json: string };

/** The W3C trace context an append was made in (its `traceparent`, `tracestate` headers). */
export interface TraceContext {
  traceparent: string;
  tracestate?: string;
}

/** `Producer-Id`, `Producer-Epoch` and `Producer-Seq` of an append. */
export interface ProducerHeaders {
  /** The engine's producer id (a Durable Streams id mapped to edgeq's name alphabet). */
  id: string;
  epoch: number;
  seq: number;
}

/** A `POST` as the Worker parsed it. */
export interface AppendRequest {
  /** Absent on a close-only POST. */
  contentType?: string;
  content?: AppendContent;
  streamSeq?: string;
  producer?: ProducerHeaders;
  /** Kept with the append, answered on the reads that return it. */
  trace?: TraceContext;
  close: boolean;
}

/** What a stream's answers say about it (its headers). */
export interface StreamState extends StreamConfig {
  /** Random per creation: ETags of a deleted stream's reads never match the new one's. */
  incarnation: string;
  /** The tail: edgeq offset of the next append. */
  tail: number;
  closed: boolean;
}

/** What became of an append. */
export interface AppendOutcome {
  state: StreamState;
  /** `duplicate`: a producer's retry, nothing appended. */
  status: "stored" | "duplicate";
  /** For a duplicate: the highest seq the producer's session stored. */
  producerSeq?: number;
}

/** A `GET` as the Worker parsed it. */
export interface ReadRequest {
  /** Edgeq offset, or `now` for the tail. */
  from: number | "now";
  /** Long-poll: how long to wait for data at the tail. */
  waitMs: number;
}

/** A read's answer: the appends from `from` to `next`, and the stream's state. */
export interface ReadOutcome {
  state: StreamState;
  from: number;
  /** Offset after the last append returned. */
  next: number;
  /** The appends' bytes, concatenated; in JSON mode the text of one JSON array of their items. */
  body: Uint8Array;
  /** The trace context every append of the read was made in (a read holds appends of one context only). */
  trace?: TraceContext;
}
