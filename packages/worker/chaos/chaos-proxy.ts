import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { forward, readBody, send } from "../test-node/http-forward.js";

/** The faults the proxy injects, one decision per request. */
export const FAULT_KINDS = [
  "drop-request",
  "drop-response",
  "delay",
  "error-500",
  "error-503",
  "broker-down",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Chance per request of each injected fault ("broker-down" is not drawn: it happens during restarts). */
export type FaultRates = Record<Exclude<FaultKind, "broker-down">, number>;

export const DEFAULT_RATES: FaultRates = {
  "drop-request": 0.06,
  "drop-response": 0.06,
  delay: 0.08,
  "error-500": 0.03,
  "error-503": 0.004,
};

/**
 * A loopback proxy between the clients and the broker that follows a seeded
 * random schedule: it drops requests before the broker sees them, drops
 * answers after the broker committed, delays, and answers 500 or 503 with
 * Retry-After. While the broker restarts (`target()` is undefined) every
 * request fails as if the network were down.
 */
export async function startChaosProxy(
  target: () => string | undefined,
  random: () => number,
  rates = DEFAULT_RATES,
) {
  const counts = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  let calm = false;

  const decide = (): FaultKind | undefined => {
    if (calm) return undefined;
    let roll = random();
    for (const [kind, rate] of Object.entries(rates) as Array<[FaultKind, number]>) {
      if (roll < rate) return kind;
      roll -= rate;
    }
    return undefined;
  };

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const fault = decide();
    const upstream = target();
    if (!upstream || fault === "drop-request") {
      counts[upstream ? "drop-request" : "broker-down"]++;
      req.socket.destroy();
      return;
    }
    if (fault === "error-500" || fault === "error-503") {
      counts[fault]++;
      const status = fault === "error-500" ? 500 : 503;
      res.writeHead(status, {
        "content-type": "application/json",
        ...(status === 503 ? { "retry-after": "1" } : {}),
      });
      res.end(
        JSON.stringify({
          error: { code: status === 500 ? "internal" : "unavailable", message: "chaos" },
        }),
      );
      return;
    }
    if (fault === "delay") {
      counts.delay++;
      await new Promise((r) => setTimeout(r, 5 + Math.floor(random() * 60)));
    }
    const answer = await forward(upstream, req, body).catch(() => undefined);
    if (!answer) {
      // The broker went down while it held the request: whether it committed is unknown.
      counts["broker-down"]++;
      req.socket.destroy();
      return;
    }
    if (fault === "drop-response") {
      counts["drop-response"]++;
      req.socket.destroy();
      return;
    }
    send(res, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    /** Stops injecting (the final drain and checks run on a healthy network). */
    calm() {
      calm = true;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
