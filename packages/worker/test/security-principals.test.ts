import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { mintJwt } from "./jwt-tokens.js";

const BASE = "https://edgeq.test/v1/topics/sec";
let alice: string;
let mallory: string;

interface Result {
  status: string;
  offset?: number;
  txId?: string;
}

async function call<T>(
  authorization: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const res = await SELF.fetch(`${BASE}${path}`, {
    method,
    headers: { authorization, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as T };
}

const produce = (auth: string, body: unknown) =>
  call<{ results: Result[]; txId?: string }>(auth, "POST", "/messages", body);

const batch = (producerId: string, ...seqs: number[]) => ({
  producerId,
  messages: seqs.map((seq) => ({ seq, body: { seq } })),
});

beforeAll(async () => {
  alice = `Bearer ${await mintJwt({ claims: { sub: "alice" } })}`;
  mallory = `Bearer ${await mintJwt({ claims: { sub: "mallory" } })}`;
});

describe("two principals, one producerId", () => {
  it("a principal cannot make another's messages duplicates by sending its seqs first", async () => {
    const squatted = await produce(mallory, batch("shared-p", 1, 2, 3));
    expect(squatted.json.results.map((r) => r.status)).toEqual(["stored", "stored", "stored"]);
    const real = await produce(alice, batch("shared-p", 1, 2, 3));
    expect(real.json.results.map((r) => r.status)).toEqual(["stored", "stored", "stored"]);
    // A static token is a third principal.
    const token = await produce("Bearer admin-token", batch("shared-p", 1));
    expect(token.json.results[0]!.status).toBe("stored");
    // Retries are each principal's own.
    const retry = await produce(alice, batch("shared-p", 3));
    expect(retry.json.results[0]).toMatchObject({
      status: "duplicate",
      offset: real.json.results[2]!.offset,
    });
    // Reads show the producerId, and nothing of the principal.
    const read = await call<{ messages: Array<Record<string, unknown>> }>(
      "Bearer admin-token",
      "GET",
      `/queues/0/messages?from=${real.json.results[0]!.offset}&limit=1`,
    );
    expect(read.json.messages[0]).toMatchObject({ producerId: "shared-p", seq: 1 });
    expect(Object.keys(read.json.messages[0]!)).not.toContain("principal");
  });

  it("transactions and their check-backs are the principal's own", async () => {
    const tx = { ...batch("tx-p", 1), transactional: true };
    const mine = await produce(alice, tx);
    const theirs = await produce(mallory, tx);
    expect(mine.json.txId).toBeDefined();
    expect(theirs.json.txId).not.toBe(mine.json.txId);

    const listed = await call<{ transactions: Array<{ txId: string }> }>(
      mallory,
      "GET",
      "/transactions?producerId=tx-p",
    );
    expect(listed.json.transactions.map((t) => t.txId)).toEqual([theirs.json.txId]);

    const stolen = await call<{ error: { code: string } }>(
      mallory,
      "POST",
      `/transactions/${mine.json.txId}`,
      { action: "rollback" },
    );
    expect(stolen.status).toBe(404);
    expect(stolen.json.error.code).toBe("not_found");
    const committed = await call<{ state: string }>(
      alice,
      "POST",
      `/transactions/${mine.json.txId}`,
      { action: "commit" },
    );
    expect(committed.json.state).toBe("committed");
  });
});
