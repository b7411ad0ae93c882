import { EdgeqError } from "@edgeq/core";
import { Hono } from "hono";
import { listTopics } from "../broker/topic-admin.js";
import { routerOf } from "../broker/topics.js";
import { allows } from "../http/auth/principal.js";
import { tokenAuthOf } from "../http/auth.js";
import { CONTENT_TYPE, Families, render, topicFamilies } from "./exposition.js";
import { createHistoryApp } from "./history-app.js";
import { requestMetrics } from "./request-metrics.js";

/** Topics whose stats are read at once: a scrape of many topics stays a bounded fan-out. */
const CONCURRENCY = 8;

/**
 * `GET /metrics` (docs/protocol.md, "Metrics"): the Prometheus text format of
 * every topic the token has `admin` or `metrics` on, one `stats()` call per
 * topic (one snapshot call per queue), and this isolate's request series.
 * A token with neither right on any topic is refused (403).
 */
export function createMetricsApp(): Hono<{ Bindings: Env }> {
  const app = new Hono<{ Bindings: Env }>();
  // A topic's per-minute history: the console's charts read it.
  app.route("/", createHistoryApp());
  app.get("/metrics", async (c) => {
    const started = performance.now();
    const principal = await (await tokenAuthOf(c.env)).authenticate(c.req.header("authorization"));
    const anyGrant = principal.grants.some(
      (g) => g.rights.includes("metrics") || g.rights.includes("admin"),
    );
    if (!anyGrant) throw new EdgeqError("forbidden", "metrics need the admin or metrics right");
    const topics = (await listTopics(c.env)).filter(
      ({ topic }) =>
        allows(principal, { topic, right: "metrics" }) ||
        allows(principal, { topic, right: "admin" }),
    );
    const stats = new Array(topics.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, topics.length) }, async () => {
        while (next < topics.length) {
          const i = next++;
          const { topic, settings } = topics[i]!;
          stats[i] = await routerOf(c.env, topic, settings).stats();
        }
      }),
    );
    const out = new Families();
    for (const s of stats) topicFamilies(out, s);
    requestMetrics.families(out);
    out.add("edgeq_scrape_topics", "gauge", "Topics in this scrape.", {}, topics.length);
    out.add(
      "edgeq_scrape_duration_seconds",
      "gauge",
      "Wall time to read every topic's stats (a Worker's clock moves across I/O only).",
      {},
      (performance.now() - started) / 1000,
    );
    return c.body(render(out.list), 200, { "content-type": CONTENT_TYPE });
  });
  return app;
}
