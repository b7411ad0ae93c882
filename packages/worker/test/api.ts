import { SELF } from "cloudflare:test";
import { expect } from "vitest";

// The worker's HTTP API as the tests call it: admin token, JSON, topic paths.
export const headers = { authorization: "Bearer admin-token", "content-type": "application/json" };
export const url = (path: string) => `https://edgeq.test/v1/topics${path}`;

/** POSTs JSON and expects 200. */
export async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await SELF.fetch(url(path), { method: "POST", headers, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

/** GETs, whatever the status. */
export async function fetchJson<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await SELF.fetch(url(path), { headers });
  return { status: res.status, body: (await res.json()) as T };
}

/** GETs and expects 200. */
export async function get<T>(path: string): Promise<T> {
  const { status, body } = await fetchJson<T>(path);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

/** Creates a topic at runtime (`PUT /v1/topics/{name}`) and expects 201: a test's own topic. */
export async function createTopic(
  name: string,
  settings: Record<string, unknown> = { queueCount: 1 },
): Promise<void> {
  const res = await SELF.fetch(url(`/${name}`), {
    method: "PUT",
    headers,
    body: JSON.stringify(settings),
  });
  expect(res.status, await res.clone().text()).toBe(201);
}
