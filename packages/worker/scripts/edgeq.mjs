#!/usr/bin/env node
// The broker's admin verbs from a shell, over its HTTP API (docs/protocol.md), as
// wrangler's `queues` commands are for Cloudflare Queues. Shipped as the `edgeq` bin:
//   npx edgeq topics list
//   npx edgeq topics create <topic> [--queues 4] [--settings '{"maxReconsumeTimes": 5}']
//   npx edgeq topics delete <topic>
//   npx edgeq topics purge <topic>
//   npx edgeq groups settings <topic> <group> ['{"ordered": true}']
//   npx edgeq groups pause|resume|purge|delete <topic> <group>
// The broker is --url (or EDGEQ_URL, default http://127.0.0.1:8787), the token
// --token (or EDGEQ_TOKEN). Prints the API's JSON answer; a refusal prints its
// error and exits 1, a usage mistake exits 2.
import { parseArgs } from "node:util";

const USAGE = `usage: edgeq [--url URL] [--token TOKEN] <command>
  topics list
  topics create <topic> [--queues N] [--settings JSON]
  topics delete <topic>
  topics purge <topic>
  groups settings <topic> <group> [JSON]
  groups pause|resume|purge|delete <topic> <group>`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: "string", default: process.env.EDGEQ_URL ?? "http://127.0.0.1:8787" },
    token: { type: "string", default: process.env.EDGEQ_TOKEN },
    queues: { type: "string" },
    settings: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

function usage(problem) {
  if (problem) console.error(`edgeq: ${problem}`);
  console.error(USAGE);
  process.exit(2);
}

function json(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    return usage(`${what} is not JSON`);
  }
}

/** One API call; answers its JSON, or prints the error and exits 1. */
async function call(method, path, body) {
  const response = await fetch(new URL(path, values.url), {
    method,
    headers: {
      authorization: `Bearer ${values.token ?? ""}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const answer = text === "" ? {} : JSON.parse(text);
  if (!response.ok) {
    console.error(
      `edgeq: ${response.status} ${answer.error?.code ?? ""}: ${answer.error?.message ?? text}`,
    );
    process.exit(1);
  }
  return answer;
}

const topicPath = (topic) => `/v1/topics/${encodeURIComponent(topic)}`;
const groupPath = (topic, group) => `${topicPath(topic)}/groups/${encodeURIComponent(group)}`;

/** Every page of `GET /v1/topics`. */
async function allTopics() {
  const topics = [];
  let cursor;
  do {
    const query = new URLSearchParams({ limit: "1000", ...(cursor ? { cursor } : {}) });
    const page = await call("GET", `/v1/topics?${query}`);
    topics.push(...page.topics);
    cursor = page.nextCursor;
  } while (cursor);
  return topics;
}

async function run([noun, verb, topic, group, extra]) {
  if (values.help || !noun) usage();
  if (!values.token) usage("a token is needed: --token or EDGEQ_TOKEN");
  if (noun === "topics") {
    if (verb === "list") return { topics: await allTopics() };
    if (!["create", "delete", "purge"].includes(verb))
      usage(`unknown command topics ${verb ?? ""}`);
    if (!topic) usage(`topics ${verb} needs a topic`);
    if (verb === "create") {
      const settings = values.settings ? json(values.settings, "--settings") : {};
      if (values.queues !== undefined) settings.queueCount = Number(values.queues);
      return call("PUT", topicPath(topic), settings);
    }
    if (verb === "delete") return call("DELETE", topicPath(topic));
    return call("POST", `${topicPath(topic)}/purge`, {});
  }
  if (noun === "groups") {
    if (!["settings", "pause", "resume", "purge", "delete"].includes(verb))
      usage(`unknown command groups ${verb ?? ""}`);
    if (!topic || !group) usage(`groups ${verb} needs a topic and a group`);
    const path = groupPath(topic, group);
    if (verb === "settings")
      return extra === undefined
        ? call("GET", `${path}/settings`)
        : call("PUT", `${path}/settings`, json(extra, "the settings"));
    if (verb === "pause" || verb === "resume" || verb === "purge")
      return call("POST", `${path}/${verb}`, {});
    return call("DELETE", path);
  }
  return usage(`unknown command ${noun}`);
}

const answer = await run(positionals);
console.log(JSON.stringify(answer, null, 2));
