import type { LeasedMessage } from "@edgeq/core";
import { RpcTransport } from "@edgeq/worker/bindings";

interface Env {
  /** Service binding to the edgeq Worker's `EdgeqRpc` entrypoint. */
  EDGEQ: Fetcher;
  EDGEQ_TOPIC: string;
  EDGEQ_GROUP: string;
}

export interface DrainReport {
  acked: number;
  nacked: number;
}

/** Your work goes here; throwing sends the message to the group's retry schedule. */
async function handle(message: LeasedMessage): Promise<void> {
  if (message.body === "poison") throw new Error("cannot handle this one");
}

/**
 * Leases batches until the topic is drained or the time budget runs out:
 * a cron-triggered Worker has limited time, and whatever it leased but could
 * not finish simply comes back when the lease expires (at least once).
 */
export async function drain(env: Env, budgetMs = 20_000): Promise<DrainReport> {
  const transport = new RpcTransport(env.EDGEQ);
  const report: DrainReport = { acked: 0, nacked: 0 };
  const until = Date.now() + budgetMs;
  while (Date.now() < until) {
    const batch = await transport.receive(env.EDGEQ_TOPIC, env.EDGEQ_GROUP, {
      max: 50,
      visibilityMs: 60_000,
    });
    if (batch.length === 0) break;
    const results = await Promise.allSettled(batch.map((m) => handle(m)));
    const ok = batch.filter((_, i) => results[i]!.status === "fulfilled").map((m) => m.receipt);
    const failed = batch.filter((_, i) => results[i]!.status === "rejected").map((m) => m.receipt);
    if (ok.length) await transport.ack(env.EDGEQ_TOPIC, env.EDGEQ_GROUP, ok);
    if (failed.length) await transport.nack(env.EDGEQ_TOPIC, env.EDGEQ_GROUP, failed);
    report.acked += ok.length;
    report.nacked += failed.length;
  }
  return report;
}

export default {
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext) {
    ctx.waitUntil(drain(env));
  },
  /** `POST /drain` runs one drain now (handy in development). */
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname !== "/drain" || request.method !== "POST")
      return Response.json(
        { error: { code: "not_found", message: "POST /drain" } },
        { status: 404 },
      );
    return Response.json(await drain(env, 5_000));
  },
} satisfies ExportedHandler<Env>;
