import type { Message, OutgoingMessage } from "../model.js";

/**
 * The parts of `@opentelemetry/api` edgeq uses, written out here so that
 * edgeq's declarations need no `@opentelemetry/api` installed (it is an
 * optional peer): the module itself fits this shape.
 */
export interface OpenTelemetryApi {
  /** The context API: which context is active. */
  context: {
    /** The active context. */
    active(): unknown;
  };
  /** The propagation API, with the W3C trace-context propagator an SDK registers. */
  propagation: {
    /** Writes `context`'s trace headers (`traceparent`, `tracestate`) into `carrier`. */
    inject(context: unknown, carrier: Record<string, string>): void;
    /** The context `carrier`'s trace headers describe, on top of `context`. */
    extract(context: unknown, carrier: Record<string, string>): unknown;
  };
  /** The trace API. */
  trace: {
    /** The tracer of that instrumentation name. */
    getTracer(name: string): TelemetryTracer;
    /** The span context `context` holds, if any. */
    getSpanContext(context: unknown): unknown;
  };
  /** The empty context. */
  ROOT_CONTEXT: unknown;
  /** Span kinds. */
  SpanKind: { PRODUCER: number; CONSUMER: number };
  /** Span status codes. */
  SpanStatusCode: { ERROR: number };
}

/** A tracer, as `@opentelemetry/api`'s `Tracer` offers it: a span made active for `fn`. */
export interface TelemetryTracer {
  /**
   * Starts span `name` as the child of `context` (with `links` to others),
   * runs `fn` with it active, and answers what `fn` does.
   * @typeParam F the function run in the span
   */
  startActiveSpan<F extends (span: TelemetrySpan) => unknown>(
    name: string,
    options: {
      kind?: number;
      attributes?: Record<string, string | number | boolean>;
      links?: Array<{ context: unknown }>;
    },
    context: unknown,
    fn: F,
  ): ReturnType<F>;
}

/** A span, as much of `@opentelemetry/api`'s `Span` as edgeq calls. */
export interface TelemetrySpan {
  /** Records an error the span's work met. */
  recordException(exception: Error | string): void;
  /** Sets the span's status (ERROR when its work failed). */
  setStatus(status: { code: number }): unknown;
  /** Ends the span. */
  end(): void;
}

let otel: OpenTelemetryApi | undefined;

/**
 * W3C trace context through edgeq's clients, with the app's own
 * `@opentelemetry/api`: `useOpenTelemetry(api)` once, e.g.
 * `import * as api from "@opentelemetry/api"; useOpenTelemetry(api)`.
 * The API is handed in rather than imported, so an app without
 * OpenTelemetry ships none of it (about 8 KB gzipped); `@opentelemetry/api`
 * is an optional peer (1.x; tested with 1.9.0, the newest the SDK 2.x
 * accepts). Then a producer's send is a PRODUCER span whose `traceparent`
 * (and `tracestate`) travel in the message's headers, and a consumer's
 * handler runs in a CONSUMER span, its child, with the messaging semantic
 * conventions' attributes. Without an SDK registered the API's spans are
 * no-ops and inject writes nothing: no header is added. `undefined` turns it off.
 */
export function useOpenTelemetry(api: OpenTelemetryApi | undefined): void {
  otel = api;
}

const SYSTEM = "edgeq";
const TRACER = "@edgeq/core";

/**
 * `message` with the active context's `traceparent` (and `tracestate`) added
 * to its headers, for a producer that makes no span of its own (the
 * durable producer and outbox, whose send is a local write): the same
 * message when OpenTelemetry is off, no span is active, or the caller set
 * its own `traceparent`, which stays.
 */
export function withTraceContext<M extends { headers?: Record<string, string> }>(message: M): M {
  return otel ? stamp(otel, message) : message;
}

/**
 * A `withTraceContext` that falls back on the context active when it was
 * made: for sends that come after awaits (the outbox's `commitWith`
 * callback), where a context manager without async propagation (the web
 * SDK's StackContextManager) has already lost the caller's context.
 */
export function boundTraceContext(): <M extends { headers?: Record<string, string> }>(
  message: M,
) => M {
  const api = otel;
  if (!api) return (message) => message;
  const caller = api.context.active();
  return (message) => stamp(api, stamp(api, message), caller);
}

function stamp<M extends { headers?: Record<string, string> }>(
  api: OpenTelemetryApi,
  message: M,
  context = api.context.active(),
): M {
  if (message.headers?.traceparent !== undefined) return message;
  const carrier: Record<string, string> = {};
  api.propagation.inject(context, carrier);
  if (carrier.traceparent === undefined) return message;
  return { ...message, headers: { ...message.headers, ...carrier } };
}

/** Runs a send of `messages` to `topic` in a PRODUCER span, each message carrying its context. */
export function tracedSend<T>(
  topic: string,
  messages: OutgoingMessage[],
  send: (stamped: OutgoingMessage[]) => Promise<T>,
): Promise<T> {
  const api = otel;
  if (!api) return send(messages);
  return api.trace.getTracer(TRACER).startActiveSpan(
    `send ${topic}`,
    {
      kind: api.SpanKind.PRODUCER,
      attributes: {
        "messaging.system": SYSTEM,
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
        "messaging.destination.name": topic,
        "messaging.batch.message_count": messages.length,
      },
    },
    api.context.active(),
    (span) => ended(api, span, () => send(messages.map((m) => stamp(api, m)))),
  );
}

/** Runs a consumer's handler for `message` in a CONSUMER span, the child of the context the message carries. */
export function tracedProcess<T>(
  message: Message,
  group: string,
  handle: () => Promise<T>,
): Promise<T> {
  const api = otel;
  if (!api) return handle();
  const parent = api.propagation.extract(api.ROOT_CONTEXT, message.headers ?? {});
  return api.trace.getTracer(TRACER).startActiveSpan(
    `process ${message.topic}`,
    {
      kind: api.SpanKind.CONSUMER,
      attributes: {
        "messaging.system": SYSTEM,
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": message.topic,
        "messaging.destination.partition.id": String(message.queueId),
        "messaging.consumer.group.name": group,
        "messaging.message.id": message.msgId,
        ...(message.key === undefined ? {} : { "messaging.edgeq.message.key": message.key }),
      },
    },
    parent,
    (span) => ended(api, span, handle),
  );
}

/**
 * Runs a handler of a whole batch (a Cloudflare `queue()` handler) in one
 * CONSUMER span: the child of the context its messages carry when they carry
 * one (a batch of one, or of one send), otherwise of the active context,
 * linked to each of the several contexts they carry (the messaging semantic
 * conventions' batch processing).
 */
export function tracedBatch<T>(
  topic: string,
  group: string,
  messages: readonly Message[],
  handle: () => Promise<T>,
): Promise<T> {
  const api = otel;
  if (!api) return handle();
  const carriers = new Map<string, Record<string, string>>();
  for (const { headers } of messages)
    if (headers?.traceparent !== undefined) carriers.set(headers.traceparent, headers);
  const contexts = [...carriers.values()].map((h) => api.propagation.extract(api.ROOT_CONTEXT, h));
  const [only] = messages;
  return api.trace.getTracer(TRACER).startActiveSpan(
    `process ${topic}`,
    {
      kind: api.SpanKind.CONSUMER,
      attributes: {
        "messaging.system": SYSTEM,
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "messaging.destination.name": topic,
        "messaging.consumer.group.name": group,
        "messaging.batch.message_count": messages.length,
        ...(messages.length === 1 && only ? { "messaging.message.id": only.msgId } : {}),
      },
      ...(contexts.length > 1
        ? { links: contexts.map((c) => ({ context: api.trace.getSpanContext(c) })) }
        : {}),
    },
    contexts.length === 1 ? contexts[0] : api.context.active(),
    (span) => ended(api, span, handle),
  );
}

async function ended<T>(
  api: OpenTelemetryApi,
  span: TelemetrySpan,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: api.SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
