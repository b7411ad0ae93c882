import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

/**
 * Durable Streams use the broker's tokens and grants, a stream path being the
 * topic a grant's pattern matches; requests without credentials get only the
 * anonymous grants (here: consume on public/*, see vitest.config.mts).
 */
const base = "https://edgeq.test/v1/stream";
const admin = { authorization: "Bearer admin-token" };

async function put(path: string, body: string, headers: Record<string, string> = admin) {
  return SELF.fetch(`${base}/${path}`, {
    method: "PUT",
    headers: { ...headers, "content-type": "text/plain" },
    body,
  });
}

describe("stream auth", () => {
  it("lets anyone read a public stream, and only a token write it", async () => {
    expect((await put("public/news", "hello")).status).toBe(201);
    const read = await SELF.fetch(`${base}/public/news?offset=-1`);
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("hello");
    // Shared caches may keep an anonymous read; never one made with a token.
    expect(read.headers.get("cache-control")).toContain("public");
    const withToken = await SELF.fetch(`${base}/public/news?offset=-1`, { headers: admin });
    expect(withToken.headers.get("cache-control")).toContain("private");
    const write = await SELF.fetch(`${base}/public/news`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "spam",
    });
    expect(write.status).toBe(401);
    expect(await write.json()).toMatchObject({ error: { code: "unauthorized" } });
    const after = await SELF.fetch(`${base}/public/news?offset=-1`);
    expect(await after.text()).toBe("hello");
  });

  it("refuses anonymous reads outside the anonymous grants", async () => {
    expect((await put("private/notes", "secret")).status).toBe(201);
    const read = await SELF.fetch(`${base}/private/notes?offset=-1`);
    expect(read.status).toBe(401);
    expect(read.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("checks a token's grants against the stream path", async () => {
    // producer-token: produce on "orders"; consumer-token: consume on "ord*".
    const producer = { authorization: "Bearer producer-token" };
    const consumer = { authorization: "Bearer consumer-token" };
    expect((await put("orders", "o1", producer)).status).toBe(201);
    expect((await SELF.fetch(`${base}/orders?offset=-1`, { headers: producer })).status).toBe(403);
    const read = await SELF.fetch(`${base}/orders?offset=-1`, { headers: consumer });
    expect(await read.text()).toBe("o1");
    expect((await put("other", "x", producer)).status).toBe(403);
    const del = await SELF.fetch(`${base}/orders`, { method: "DELETE", headers: producer });
    expect(del.status).toBe(403);
    // A fork reads its source: consume on the source is needed too.
    const fork = await put("orders-copy", "", {
      ...admin,
      "stream-forked-from": "/v1/stream/orders",
    });
    expect(fork.status).toBe(201);
    const refused = await put("orders-copy2", "", {
      ...producer,
      "stream-forked-from": "/v1/stream/orders",
    });
    expect(refused.status).toBe(403);
  });

  it("answers browser preflights for the protocol's methods and headers", async () => {
    const res = await SELF.fetch(`${base}/public/news`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "PUT",
        "access-control-request-headers": "producer-epoch",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-methods")).toContain("PUT");
    expect(res.headers.get("access-control-allow-headers")).toContain("producer-epoch");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });
});
