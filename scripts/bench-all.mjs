#!/usr/bin/env node
// `npm run bench:all`: every package's benchmark in turn (core, worker, Durable
// Streams, replication, the browser outbox, the Cloudflare Queues example), each printing its own
// table as it goes, then all their rows in one Markdown file, bench/RESULTS.md,
// which the README links to. Each benchmark hands its rows over through the file
// named by EDGEQ_BENCH_ROWS (one JSON line per row; see recordRows in
// packages/worker/bench/table.ts and packages/core/bench/measure.ts).
//
// `npm run bench:all -- core,worker` runs only those suites; EDGEQ_BENCH_*
// variables reach the benchmarks as they are (EDGEQ_BENCH_REPS, _LOG_SIZE, …).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const SUITES = [
  {
    name: "core",
    title: "Core engine on MemoryStore",
    args: ["run", "bench", "-w", "@edgeq/core"],
  },
  {
    name: "worker",
    title: "Worker: HTTP produce, durability, leases, ordered, reads, metrics (one local workerd)",
    args: ["run", "bench", "-w", "@edgeq/worker"],
  },
  {
    name: "streams",
    title: "Durable Streams protocol vs its reference server (@durable-streams/server)",
    args: ["run", "bench:streams", "-w", "@edgeq/worker"],
  },
  {
    name: "replication",
    title: "Replicated produce vs none",
    args: ["run", "bench:replication", "-w", "@edgeq/worker"],
  },
  {
    name: "browser",
    title:
      "Browser outbox in Chromium, Firefox and WebKit (size, send, backlog, drain to the broker)",
    args: ["run", "bench", "-w", "@edgeq/browser"],
  },
  {
    name: "cf-queues",
    title: "Cloudflare-Queues-style end to end vs Miniflare's local Queues",
    args: ["run", "bench", "-w", "@edgeq/example-cf-queues"],
  },
];

const only = process.argv[2]?.split(",");
const chosen = SUITES.filter((s) => !only || only.includes(s.name));
const dir = mkdtempSync(join(tmpdir(), "edgeq-bench-all-"));
const rowsFile = join(dir, "rows.jsonl");
writeFileSync(rowsFile, "");

const started = new Date();
const load = loadavg().map((x) => x.toFixed(2));
const commit = git(["rev-parse", "--short", "HEAD"]);
const dirty = git(["status", "--porcelain", "--untracked-files=no"]) !== "";
const failed = [];
for (const suite of chosen) {
  process.stderr.write(`\n== ${suite.name}: npm ${suite.args.join(" ")}\n`);
  const run = spawnSync("npm", suite.args, {
    stdio: "inherit",
    env: { ...process.env, EDGEQ_BENCH_ROWS: rowsFile },
  });
  if (run.status !== 0) failed.push(suite.name);
}
const rows = readFileSync(rowsFile, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line));
rmSync(dir, { recursive: true, force: true });

const minutes = ((Date.now() - started.getTime()) / 60_000).toFixed(0);
const verdicts = rows.map(verdict).filter(Boolean);
const missed = verdicts.filter((v) => v === "MISSED").length;
const out = [
  "# Benchmark results",
  "",
  `Written by \`npm run bench:all\` (scripts/bench-all.mjs) on ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, ` +
    `commit ${commit}${dirty ? " with uncommitted changes" : ""}, Node ${process.version}, ` +
    `${availableParallelism()} cores, load average ${load.join(" / ")} at the start; ${minutes} min.`,
  "Every ratio is edgeq against a baseline measured in the same run, each figure a median of the repetitions",
  "its benchmark states (at least 3). On a shared machine the ratios move from run to run; the CPU rows",
  "(workerd's CPU time per 1,000 messages) are the least disturbed by other tenants.",
  "",
  `${verdicts.length - missed} of ${verdicts.length} goals ok, ${missed} MISSED.` +
    (failed.length ? ` Failed to run: ${failed.join(", ")}.` : ""),
];
for (const suite of chosen) {
  const mine = rows.filter((r) => r.suite === suite.name);
  out.push("", `## ${suite.title}`, "", `\`npm ${suite.args.join(" ")}\``, "");
  if (mine.length === 0) {
    out.push("(no rows: the benchmark did not finish)");
    continue;
  }
  out.push(
    "| scenario | batch | clients | unit | edgeq | baseline | vs base | goal | |",
    "|---|--:|--:|---|--:|--:|--:|--:|---|",
  );
  for (const r of mine)
    out.push(
      `| ${r.scenario} | ${r.batch ?? ""} | ${r.clients ?? ""} | ${r.unit} | ${num(r.edgeq, r.unit)} | ` +
        `${r.baseline === undefined ? "—" : num(r.baseline, r.unit)} | ${compared(r)} | ${goalText(r.goal)} | ${verdict(r) ?? ""} |`,
    );
}
writeFileSync(new URL("../bench/RESULTS.md", import.meta.url), `${out.join("\n")}\n`);
process.stderr.write(`\nbench/RESULTS.md: ${verdicts.length - missed} ok, ${missed} MISSED\n`);
process.exit(failed.length ? 1 : 0);

function git(args) {
  return execFileSync("git", args, { encoding: "utf8" }).trim();
}

function num(n, unit) {
  return n.toLocaleString("en", { maximumFractionDigits: unit === "msg/s" ? 0 : 1 });
}

function compared(r) {
  if (r.baseline === undefined) return "—";
  if (r.unit === "MB")
    return `${r.edgeq >= r.baseline ? "+" : ""}${(r.edgeq - r.baseline).toFixed(1)}`;
  return `${(r.edgeq / r.baseline).toFixed(2)}x`;
}

function goalText(goal) {
  if (goal === undefined) return "";
  if ("min" in goal) return `≥ ${goal.min.toFixed(2)}x`;
  if ("max" in goal) return `≤ ${goal.max.toFixed(2)}x`;
  if ("within" in goal) return `1 ± ${goal.within.toFixed(2)}`;
  return `≤ +${goal.maxGrowth}`;
}

/** The same rule as packages/worker/bench/table.ts `verdict`. */
function verdict(r) {
  const { goal, baseline, edgeq } = r;
  if (goal === undefined || baseline === undefined) return undefined;
  const ratio = edgeq / baseline;
  const met =
    "min" in goal
      ? ratio >= goal.min
      : "max" in goal
        ? ratio <= goal.max
        : "within" in goal
          ? Math.abs(ratio - 1) <= goal.within
          : edgeq - baseline <= goal.maxGrowth;
  return met ? "ok" : "MISSED";
}
