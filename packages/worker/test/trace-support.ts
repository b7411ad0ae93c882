import { useOpenTelemetry } from "@edgeq/core";
import * as api from "@opentelemetry/api";
import { type Context, type ContextManager, ROOT_CONTEXT } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/**
 * The active context as a stack, as the OpenTelemetry web SDK's
 * StackContextManager keeps it: a context is active during the synchronous
 * part of `with`, which is where edgeq reads it (a send stamps its messages,
 * a handler starts, in the same turn). It needs no AsyncLocalStorage, so the
 * same tracing runs in workerd without nodejs_compat and in every browser
 * engine (the browser tests import it from here).
 */
export class StackContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;

  active(): Context {
    return this.current;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const previous = this.current;
    this.current = context;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== "function") return target;
    const run = (thisArg: unknown, args: unknown[]) =>
      this.with(context, () => (target as (...a: unknown[]) => unknown).apply(thisArg, args));
    return function (this: unknown, ...args: unknown[]) {
      return run(this, args);
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}

/**
 * Registers the OpenTelemetry SDK with an in-memory exporter (W3C
 * propagation, the stack context manager) and hands edgeq the API through
 * `use` (the core's `useOpenTelemetry`, or a package's re-export of it), as
 * an app does; `stop()` unregisters all of it.
 */
export function registerTracing(use: typeof useOpenTelemetry = useOpenTelemetry): {
  exporter: InMemorySpanExporter;
  stop(): void;
} {
  const exporter = new InMemorySpanExporter();
  api.trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  api.context.setGlobalContextManager(new StackContextManager());
  use(api);
  return {
    exporter,
    stop() {
      use(undefined);
      api.trace.disable();
      api.propagation.disable();
      api.context.disable();
    },
  };
}

/** The W3C traceparent of a sampled span context. */
export function traceparentOf(span: { traceId: string; spanId: string }): string {
  return `00-${span.traceId}-${span.spanId}-01`;
}
