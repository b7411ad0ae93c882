import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalBroker, startLocalBroker } from "./local-broker.js";

// The `edgeq` bin as a person runs it: a real process against the real broker.
const CLI = fileURLToPath(new URL("../scripts/edgeq.mjs", import.meta.url));
const run = promisify(execFile);
let broker: LocalBroker;

beforeAll(async () => {
  broker = await startLocalBroker({
    tokens: { "cli-token": [{ topics: "*", rights: ["produce", "consume", "admin"] }] },
    topics: { seeded: { queueCount: 1 } },
  });
});
afterAll(() => broker?.stop());

/** Runs `edgeq …args`; answers its exit code and what it printed. */
async function edgeq(...args: string[]): Promise<{ code: number; out: unknown; err: string }> {
  const env = { ...process.env, EDGEQ_URL: broker.url, EDGEQ_TOKEN: "cli-token" };
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env });
    return { code: 0, out: JSON.parse(stdout), err: stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${broker.url}${path}`, {
    ...init,
    headers: { authorization: "Bearer cli-token", "content-type": "application/json" },
  });

describe("npx edgeq: admin verbs over the HTTP API", () => {
  it("creates, lists, purges and deletes topics", async () => {
    expect(await edgeq("topics", "create", "jobs", "--queues", "2")).toMatchObject({
      code: 0,
      out: { topic: "jobs", settings: { queueCount: 2 } },
    });
    const listed = await edgeq("topics", "list");
    expect((listed.out as { topics: Array<{ topic: string }> }).topics.map((t) => t.topic)).toEqual(
      ["jobs", "seeded"],
    );
    await api("/v1/topics/jobs/messages", {
      method: "POST",
      body: JSON.stringify({ messages: [{ body: 1 }, { body: 2 }] }),
    });
    expect(await edgeq("topics", "purge", "jobs")).toMatchObject({ code: 0, out: { purged: 2 } });
    expect(await edgeq("topics", "delete", "jobs")).toMatchObject({ code: 0, out: {} });
    expect((await api("/v1/topics/jobs")).status).toBe(404);
  });

  it("sets a group's settings, pauses, resumes, purges and deletes it", async () => {
    expect(await edgeq("groups", "settings", "seeded", "g", '{"ordered": true}')).toMatchObject({
      code: 0,
      out: { settings: { ordered: true } },
    });
    expect(await edgeq("groups", "pause", "seeded", "g")).toMatchObject({
      out: { settings: { ordered: true, paused: true } },
    });
    const stats = await (await api("/v1/topics/seeded/stats")).json();
    expect(stats.groups.g).toMatchObject({ paused: true });
    expect(await edgeq("groups", "resume", "seeded", "g")).toMatchObject({
      out: { settings: { ordered: true } },
    });
    expect(await edgeq("groups", "purge", "seeded", "g")).toMatchObject({ out: { purged: 0 } });
    expect(await edgeq("groups", "delete", "seeded", "g")).toMatchObject({ code: 0 });
    expect(await edgeq("groups", "settings", "seeded", "g")).toMatchObject({
      out: { settings: {} },
    });
  });

  it("says what the broker refused (exit 1) and what was mistyped (exit 2)", async () => {
    const refused = await edgeq("topics", "purge", "nope");
    expect([refused.code, refused.err]).toEqual([1, expect.stringContaining("404 not_found")]);
    const bad = await edgeq("groups", "settings", "seeded", "g", '{"ordered": 1}');
    expect([bad.code, bad.err]).toEqual([1, expect.stringContaining("400 invalid_request")]);
    const usage = await edgeq("topics", "fly");
    expect([usage.code, usage.err]).toEqual([2, expect.stringContaining("unknown command")]);
    expect((await edgeq("groups", "settings", "seeded", "g", "{")).code).toBe(2);
  });
});
