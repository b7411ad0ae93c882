import type { MiddlewareHandler } from "hono";
import type { Families } from "./exposition.js";

/** Upper bounds of the latency histogram, in seconds: long-polls wait up to 20 s and more. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface RouteSeries {
  labels: { route: string; method: string; status: string };
  count: number;
  sum: number;
  /** Count per bucket of LATENCY_BUCKETS (not cumulative; summed when rendered). */
  buckets: number[];
}

/**
 * Request counts and latencies of this isolate. A Worker runs in many
 * isolates, each with its own copy: these series are per isolate and start
 * from zero in a new one (Prometheus's `rate()` handles the resets; the
 * `isolate` label keeps the copies apart). The queues' totals, which must
 * survive, live in the queues' records instead.
 */
export class RequestMetrics {
  #isolate: string | undefined;
  /** Drawn at the first request: Workers refuse random values in the global scope. */
  get isolate(): string {
    this.#isolate ??= crypto.randomUUID().slice(0, 8);
    return this.#isolate;
  }
  readonly #series = new Map<string, RouteSeries>();
  readonly #rateLimited = new Map<string, { labels: Record<string, string>; count: number }>();

  observe(route: string, method: string, status: number, seconds: number, topic?: string): void {
    const key = `${method} ${route} ${status}`;
    let s = this.#series.get(key);
    if (!s) {
      s = {
        labels: { route, method, status: String(status) },
        count: 0,
        sum: 0,
        buckets: LATENCY_BUCKETS.map(() => 0),
      };
      this.#series.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    const i = LATENCY_BUCKETS.findIndex((b) => seconds <= b);
    if (i >= 0) s.buckets[i]!++;
    if (status === 429) {
      const labels = { route, topic: topic ?? "" };
      const rk = `${route} ${labels.topic}`;
      const r = this.#rateLimited.get(rk) ?? { labels, count: 0 };
      r.count++;
      this.#rateLimited.set(rk, r);
    }
  }

  families(out: Families): void {
    const iso = { isolate: this.isolate };
    for (const s of this.#series.values()) {
      const l = { ...s.labels, ...iso };
      out.add(
        "edgeq_http_requests_total",
        "counter",
        "HTTP requests answered by this isolate, by route, method and status.",
        l,
        s.count,
      );
    }
    for (const s of this.#series.values()) {
      const l = { ...s.labels, ...iso };
      const help =
        "Time from a request's arrival to its answer, by route, method and status (this isolate).";
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        out.add(
          "edgeq_http_request_duration_seconds",
          "histogram",
          help,
          { ...l, le: String(le) },
          cumulative,
          "_bucket",
        );
      });
      out.add(
        "edgeq_http_request_duration_seconds",
        "histogram",
        help,
        { ...l, le: "+Inf" },
        s.count,
        "_bucket",
      );
      out.add("edgeq_http_request_duration_seconds", "histogram", help, l, s.sum, "_sum");
      out.add("edgeq_http_request_duration_seconds", "histogram", help, l, s.count, "_count");
    }
    for (const r of this.#rateLimited.values())
      out.add(
        "edgeq_http_rate_limited_total",
        "counter",
        "Requests refused with 429 rate_limited, by route and topic (this isolate).",
        { ...r.labels, ...iso },
        r.count,
      );
  }
}

/** The isolate's one registry. */
export const requestMetrics = new RequestMetrics();

/**
 * Times every request, counts it in `requestMetrics` by its route pattern
 * (`/v1/topics/:topic/messages`, never the raw path: topic names stay out of
 * the route label, and the series stay few) and, unless `EDGEQ_LOG` is
 * `off`, writes one JSON line for Workers Logs / `wrangler tail`: request
 * id, method, route, topic, group, status and duration. No header, token,
 * query or body is logged.
 */
export function observeRequests(): MiddlewareHandler<{ Bindings: Env }> {
  return async (c, next) => {
    const started = performance.now();
    const id = c.req.header("cf-ray") ?? crypto.randomUUID();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const status = c.res.status;
    // After next(), the route is the handler's that answered; "*" or a bare
    // wildcard means no route matched (a 404 from notFound).
    const matched = c.req.routePath;
    const route = matched === "*" || matched === "/*" ? "unmatched" : matched;
    const topic = paramOf(c.req.param.bind(c.req), "topic");
    requestMetrics.observe(route, c.req.method, status, seconds, topic);
    if (c.env?.EDGEQ_LOG === "off") return;
    const group = paramOf(c.req.param.bind(c.req), "group");
    console.log(
      JSON.stringify({
        msg: "request",
        requestId: id,
        method: c.req.method,
        route,
        ...(topic === undefined ? {} : { topic }),
        ...(group === undefined ? {} : { group }),
        status,
        durationMs: Math.round(seconds * 1e4) / 10,
      }),
    );
  };
}

function paramOf(param: (name: string) => string | undefined, name: string): string | undefined {
  try {
    return param(name);
  } catch {
    return undefined;
  }
}
