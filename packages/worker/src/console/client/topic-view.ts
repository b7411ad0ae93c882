import { api, topicInfo, topicPath } from "./api.js";
import { drawChart, type Sample } from "./chart.js";
import { $, fillTable, h, pagedList } from "./dom.js";
import { bytes, count, settingText } from "./format.js";
import type { GroupStats, TopicStats } from "./wire.js";

const POLL_MS = 2000;
/** Samples kept for the chart: five minutes at one per poll. */
const KEPT = (5 * 60_000) / POLL_MS;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function groupRow(topic: string, name: string, g: GroupStats): HTMLTableRowElement {
  const href = `/console/topics/${encodeURIComponent(topic)}/groups/${encodeURIComponent(name)}/dead-letters`;
  return h(
    "tr",
    { "data-group": name },
    h("th", { scope: "row" }, name),
    h("td", { class: "num" }, count(g.lag)),
    h("td", {}, g.queues.map((q) => `${q.queueId}: ${q.lag}`).join(" · ")),
    h("td", { class: "num" }, count(g.inFlight)),
    h("td", { class: "num" }, count(g.retrying)),
    h(
      "td",
      { class: "num" },
      h(
        "a",
        { href, "aria-label": `${g.deadLetters} dead letters of ${name}` },
        count(g.deadLetters),
      ),
    ),
  );
}

/** The topic's settings as `GET /v1/topics` gives them to a token with `admin`. */
async function showSettings(topic: string): Promise<void> {
  const list = $<HTMLDListElement>("#settings");
  const settings = (await topicInfo(topic))?.settings;
  if (!settings) {
    list.replaceChildren(h("dd", {}, "Only a token with admin on this topic sees its settings."));
    return;
  }
  list.replaceChildren(
    ...Object.entries(settings).flatMap(([name, value]) => [
      h("dt", {}, name),
      h("dd", { "data-setting": name, title: JSON.stringify(value) }, settingText(name, value)),
    ]),
  );
}

/** A replicated topic's queues: who takes writes, and how far behind each replica is. */
function showReplication(stats: TopicStats): void {
  const replicated = stats.queues.flatMap(({ queueId, replication }) =>
    replication ? [{ queueId, r: replication }] : [],
  );
  $("#replication-section").hidden = replicated.length === 0;
  fillTable(
    $<HTMLTableElement>("#replication"),
    replicated.map(({ queueId, r }) =>
      h(
        "tr",
        { "data-queue": queueId },
        h("th", { scope: "row" }, queueId),
        h("td", {}, r.primary),
        ...[r.term, r.seq].map((n) => h("td", { class: "num" }, count(n))),
        h(
          "td",
          {},
          ...r.replicas.map((x) =>
            h(
              "span",
              { class: "replica", "data-replica": x.replica, "data-state": x.state },
              `${x.replica}: ${x.state.replace("_", " ")}`,
              x.lagBatches > 0 ? `, ${count(x.lagBatches)} batches (${x.lagMs} ms) behind` : "",
              x.lastError ? ` (${x.lastError})` : "",
            ),
          ),
        ),
      ),
    ),
    "",
  );
}

/** Minutes of the broker's history the chart starts with: it opens full instead of empty. */
const HISTORY_MINUTES = 5;

interface TopicHistory {
  stepMs: number;
  from: number;
  produced: number[];
  groups: Record<string, { lag: number[] }>;
}

/**
 * Puts the broker's per-minute history (GET …/history) before the live
 * samples. Its `produced` is a running total, not the head offset the live
 * samples hold: the minutes are placed relative to the live head, so the
 * rate between them is the same either way.
 */
async function seedFromHistory(topic: string, samples: Sample[]): Promise<void> {
  const h = await api<TopicHistory>(topicPath(topic, `/history?minutes=${HISTORY_MINUTES}`));
  const live = samples[0];
  const last = h.produced.at(-1);
  if (!live || last === undefined) return;
  const seeded: Sample[] = [];
  // The last minute is the live state: the live sample stands for it.
  for (let i = 0; i < h.produced.length - 1; i++) {
    const at = h.from + (i + 1) * h.stepMs;
    if (at >= live.at) break;
    const lag = Object.values(h.groups).reduce((n, g) => n + (g.lag[i] ?? 0), 0);
    seeded.push({ at, head: live.head - (last - h.produced[i]!), lag });
  }
  samples.unshift(...seeded);
  drawChart($("#chart"), $("#chart-summary"), samples);
}

/** A topic: its queues, its groups (a page at a time), a live chart from stats polled every 2 s, and its settings. */
export async function topicView(topic: string): Promise<void> {
  void showSettings(topic).catch(() => undefined);
  const samples: Sample[] = [];
  const showGroups = pagedList<[string, GroupStats]>($("#groups-pager"), 20, (page) =>
    fillTable(
      $<HTMLTableElement>("#groups"),
      page.map(([name, g]) => groupRow(topic, name, g)),
      "No consumer group has read this topic yet.",
    ),
  );
  const poll = async () => {
    const stats = await api<TopicStats>(topicPath(topic, "/stats"));
    fillTable(
      $<HTMLTableElement>("#queues"),
      stats.queues.map((q) =>
        h(
          "tr",
          { "data-queue": q.queueId },
          h("th", { scope: "row" }, q.queueId),
          ...[q.minOffset, q.headOffset].map((n) => h("td", { class: "num" }, count(n))),
          h("td", { class: "num" }, bytes(q.bytes)),
          ...[q.scheduled, q.pendingTransactions].map((n) => h("td", { class: "num" }, count(n))),
        ),
      ),
      "No queues.",
    );
    showReplication(stats);
    const groups = Object.entries(stats.groups).sort(([a], [b]) => (a < b ? -1 : 1));
    showGroups(groups);
    samples.push({
      at: Date.now(),
      head: sum(stats.queues.map((q) => q.headOffset)),
      lag: sum(groups.map(([, g]) => g.lag)),
    });
    if (samples.length > KEPT) samples.shift();
    drawChart($("#chart"), $("#chart-summary"), samples);
  };
  await poll();
  await seedFromHistory(topic, samples).catch(() => undefined);
  setInterval(() => void poll().catch(() => undefined), POLL_MS);
}
