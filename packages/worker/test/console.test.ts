import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const page = (path: string, init?: RequestInit) =>
  SELF.fetch(`https://edgeq.test${path}`, { redirect: "manual", ...init });

describe("the console's pages", () => {
  it("redirects / to /console", async () => {
    const res = await page("/");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/console");
  });

  it("serves each page's shell without a token, under a policy that allows only this origin", async () => {
    for (const [path, view] of [
      ["/console", "topics"],
      ["/console/sign-in", "sign-in"],
      ["/console/topics/orders", "topic"],
      ["/console/topics/orders/messages", "messages"],
      ["/console/topics/orders/transactions", "transactions"],
      ["/console/topics/orders/groups/billing/dead-letters", "dead-letters"],
    ] as const) {
      const res = await page(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.headers.get("content-security-policy")).toContain("connect-src 'self'");
      const html = await res.text();
      expect(html.startsWith("<!doctype html>")).toBe(true);
      expect(html).toContain(`data-page="${view}"`);
    }
  });

  it("escapes what the path names and refuses a name the API would refuse", async () => {
    expect((await page("/console/topics/a%3Cb")).status).toBe(400);
    const html = await (await page("/console/topics/orders/groups/g.1/dead-letters")).text();
    expect(html).toContain('data-group="g.1"');
  });

  it("serves its script and stylesheet", async () => {
    const js = await page("/console/app.js");
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain("/v1/topics");
    const css = await page("/console/app.css");
    expect(css.headers.get("content-type")).toMatch(/^text\/css/);
  });
});

describe("GET /v1/topics", () => {
  const list = (token?: string) =>
    page("/v1/topics", token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it("lists every topic with the token's rights on it, and its settings for admin", async () => {
    const res = await list("admin-token");
    expect(res.status).toBe(200);
    const { topics } = (await res.json()) as {
      topics: Array<{ topic: string; queueCount: number; rights: string[]; settings?: object }>;
    };
    expect(topics.find((t) => t.topic === "orders")).toMatchObject({
      topic: "orders",
      queueCount: 4,
      rights: ["produce", "consume", "admin"],
      settings: { queueCount: 4 },
    });
    const names = topics.map((t) => t.topic);
    expect(names).toEqual([...names].sort());
    expect(names).toContain("single");
  });

  it("names only the topics the token has a right on", async () => {
    const { topics } = (await (await list("producer-token")).json()) as {
      topics: Array<{ topic: string; rights: string[] }>;
    };
    expect(topics).toEqual([{ topic: "orders", queueCount: 4, rights: ["produce"] }]);
  });

  it("refuses a request without a known token", async () => {
    const none = await list();
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    expect((await list("nope")).status).toBe(401);
  });
});
