import { parseArgs } from "node:util";
import { formatSummary, runChaos, violations } from "./chaos.js";

/**
 * `npm run chaos -- --schedules 1000 --seed 7`: runs seeded fault schedules
 * against a real local broker and exits non-zero on any loss or duplicate.
 * `--replicated`: the topic is replicated (sync, 2 replicas) and a schedule
 * may lose its primaries' storage and promote a replica.
 */
const { values } = parseArgs({
  options: {
    schedules: { type: "string", default: "50" },
    seed: { type: "string", default: String(Date.now() % 1_000_000) },
    replicated: { type: "boolean", default: false },
  },
});
const schedules = Number(values.schedules);
const seed = Number(values.seed);
const started = Date.now();
let last = Date.now();
const summary = await runChaos(
  schedules,
  seed,
  (report, i) => {
    const bad = violations(report) > 0 ? "  VIOLATION" : "";
    const took = ((Date.now() - last) / 1000).toFixed(1);
    last = Date.now();
    process.stderr.write(
      `\rschedule ${i + 1}/${schedules} (seed ${report.seed}): ${report.messages} messages, ${took} s${bad}   ${bad ? "\n" : ""}`,
    );
  },
  { replicated: values.replicated },
);
process.stderr.write("\n");
process.stdout.write(
  `${formatSummary(summary, seed)}\ntime           ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
process.exitCode =
  summary.lost + summary.duplicated + summary.misordered + summary.unprocessed + summary.skipped > 0
    ? 1
    : 0;
