import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { forward, readBody, send } from "../../../worker/test-node/http-forward.js";
import type { Fault, ProducedBatch } from "../network.js";

/** Requests under this path steer the proxy instead of reaching the broker. */
export const CONTROL = "/__proxy";

/**
 * A tiny HTTP proxy in front of the local broker: the browser tests' network.
 * It injects the failures the outbox must survive and records every produce
 * request, so a test can see which tab sent what and how often.
 */
export async function startFaultProxy(target: string) {
  const faults: Fault[] = [];
  let offline = false;
  const produced: ProducedBatch[] = [];

  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.url?.startsWith(CONTROL)) {
      control(req.method ?? "GET", req.url.slice(CONTROL.length), body, res);
      return;
    }
    const isProduce = req.method === "POST" && /\/v1\/topics\/[^/]+\/messages$/.test(req.url ?? "");
    const fault = req.method === "OPTIONS" ? undefined : takeFault();
    const outcome: ProducedBatch["outcome"] =
      offline || fault?.kind === "refuse"
        ? "refused"
        : fault?.kind === "drop-response"
          ? "dropped"
          : fault?.kind === "status"
            ? "status"
            : "forwarded";
    if (isProduce) produced.push({ ...describeProduce(body), outcome });
    if (outcome === "refused") {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "status") {
      res.writeHead(fault.status, {
        "content-type": "application/json",
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "Retry-After",
        ...(fault.retryAfter ? { "retry-after": fault.retryAfter } : {}),
      });
      res.end(
        JSON.stringify({ error: { code: fault.code, message: "injected by the test proxy" } }),
      );
      return;
    }
    const answer = await forward(target, req, body).catch(() => undefined);
    // The broker went away mid-request (a long poll cut by the test's end): pass the failure on.
    if (!answer) {
      req.socket.destroy();
      return;
    }
    if (outcome === "dropped") {
      req.socket.destroy();
      return;
    }
    send(res, answer);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  /** The tests steer the network from the page itself, over plain HTTP. */
  function control(method: string, path: string, body: Buffer, res: ServerResponse): void {
    const headers = {
      "content-type": "application/json",
      "access-control-allow-origin": "*",
      "access-control-allow-headers": "content-type",
    };
    if (method === "OPTIONS") {
      res.writeHead(204, headers).end();
      return;
    }
    let answer: unknown = { ok: true };
    if (path === "/fault") faults.push(JSON.parse(body.toString("utf8")) as Fault);
    else if (path === "/offline")
      offline = (JSON.parse(body.toString("utf8")) as { offline: boolean }).offline;
    else if (path === "/reset") reset();
    else if (path === "/produced") answer = produced;
    else {
      res.writeHead(404, headers).end(JSON.stringify({ error: "no such control" }));
      return;
    }
    res.writeHead(200, headers).end(JSON.stringify(answer));
  }

  function reset(): void {
    faults.length = 0;
    offline = false;
    produced.length = 0;
  }

  function takeFault(): Fault | undefined {
    const fault = faults[0];
    if (!fault) return undefined;
    fault.count--;
    if (fault.count <= 0) faults.shift();
    return fault;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type FaultProxy = Awaited<ReturnType<typeof startFaultProxy>>;

function describeProduce(body: Buffer): Omit<ProducedBatch, "outcome"> {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as {
      producerId?: string;
      messages?: Array<{ seq?: number }>;
    };
    return {
      producerId: parsed.producerId,
      seqs: (parsed.messages ?? []).map((m) => m.seq ?? -1),
    };
  } catch {
    return { producerId: undefined, seqs: [] };
  }
}
