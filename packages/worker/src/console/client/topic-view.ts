import { api, topicInfo, topicPath } from "./api.js";
import { drawChart, type Series } from "./chart.js";
import { $, confirmAction, fillTable, h, pagedList, say } from "./dom.js";
import { bytes, count } from "./format.js";
import { type FieldKind, type FieldSpec, settingsForm } from "./settings-form.js";
import type { GroupStats, TopicStats } from "./wire.js";

const POLL_MS = 2000;
/** Minutes the charts cover: the broker's history (GET …/history) fills them at once. */
const WINDOW_MINUTES = 15;
const WINDOW_MS = WINDOW_MINUTES * 60_000;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const groupHref = (topic: string, group: string, rest = "") =>
  `/console/topics/${encodeURIComponent(topic)}/groups/${encodeURIComponent(group)}${rest}`;

function groupRow(topic: string, name: string, g: GroupStats): HTMLTableRowElement {
  const href = groupHref(topic, name, "/dead-letters");
  return h(
    "tr",
    { "data-group": name },
    h("th", { scope: "row" }, h("a", { href: groupHref(topic, name) }, name)),
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

/** How the form writes a topic setting, from its name and value (docs/protocol.md, Topics at runtime). */
function kindOf(name: string, value: unknown): FieldKind {
  if (name === "retrySchedule") return "durations";
  if (typeof value === "number")
    return name.endsWith("Ms") ? "duration" : name.endsWith("Bytes") ? "bytes" : "number";
  if (typeof value === "string") return "text";
  if (typeof value === "boolean") return "bool";
  return "json";
}

/** Settings the API leaves out when unset; the form offers them empty. */
const OPTIONAL_SETTINGS = ["rateLimit", "replication"];

/**
 * The topic's settings (from `GET /v1/topics`, given only to a token with
 * `admin`) as a form that replaces them (`PUT /v1/topics/{topic}`), and the
 * topic purge; without admin, a notice.
 */
async function showSettings(topic: string): Promise<void> {
  const settings = (await topicInfo(topic))?.settings;
  if (!settings) {
    $("#settings-notice").textContent = "Only a token with admin on this topic sees its settings.";
    return;
  }
  $("#settings-notice").remove();
  const names = [...Object.keys(settings), ...OPTIONAL_SETTINGS.filter((n) => !(n in settings))];
  const specs: FieldSpec[] = names.map((name) => ({
    name,
    kind: kindOf(name, settings[name]),
    ...(OPTIONAL_SETTINGS.includes(name) ? { optional: true } : {}),
  }));
  const form = $<HTMLFormElement>("#settings");
  form.hidden = false;
  const show = settingsForm(form, specs, async (next) => {
    const answer = await api<{ settings: Record<string, unknown> }>(
      topicPath(topic),
      next,
      undefined,
      "PUT",
    );
    return answer.settings;
  });
  show(settings);
  const purge = $<HTMLButtonElement>("#purge-topic");
  purge.hidden = false;
  purge.addEventListener("click", async () => {
    if (
      !(await confirmAction(
        `Purge topic ${topic}? Every message of every queue is deleted, for every group; dead letters, offsets and settings stay.`,
        "Purge topic",
      ))
    )
      return;
    const { purged } = await api<{ purged: number }>(topicPath(topic, "/purge"), {});
    say(`Purged ${purged} message${purged === 1 ? "" : "s"} from topic ${topic}.`);
  });
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

interface TopicHistory {
  stepMs: number;
  from: number;
  produced: number[];
  groups: Record<string, { lag: number[]; delivered: number[] }>;
}

/** One moment of the topic: produced in total, and each group's lag and deliveries. */
interface Sample {
  at: number;
  produced: number;
  groups: Map<string, { lag: number; delivered: number }>;
}

/**
 * The broker's per-minute history as samples (value `i` is the state at the
 * end of minute `from + i·stepMs`), the live minute left out: the live
 * samples stand for it.
 */
function historySamples(history: TopicHistory): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < history.produced.length - 1; i++)
    out.push({
      at: history.from + (i + 1) * history.stepMs,
      produced: history.produced[i]!,
      groups: new Map(
        Object.entries(history.groups).map(([g, v]) => [
          g,
          { lag: v.lag[i] ?? 0, delivered: v.delivered[i] ?? 0 },
        ]),
      ),
    });
  return out;
}

function liveSample(stats: TopicStats): Sample {
  return {
    at: Date.now(),
    produced: sum(stats.queues.map((q) => q.totals?.produced ?? 0)),
    groups: new Map(
      Object.entries(stats.groups).map(([g, v]) => [
        g,
        { lag: v.lag, delivered: sum(v.queues.map((q) => q.totals?.delivered ?? 0)) },
      ]),
    ),
  };
}

/** Per second between consecutive samples of a running total. */
function rates(
  samples: Sample[],
  total: (s: Sample) => number | undefined,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 1; i < samples.length; i++) {
    const a = total(samples[i - 1]!);
    const b = total(samples[i]!);
    if (a === undefined || b === undefined) continue;
    const seconds = Math.max(0.001, (samples[i]!.at - samples[i - 1]!.at) / 1000);
    out.push([samples[i]!.at, Math.max(0, b - a) / seconds]);
  }
  return out;
}

const rate = (v: number) => (v >= 10 || Number.isInteger(v) ? count(Math.round(v)) : v.toFixed(1));

/** Lag per group on one chart (messages), rates on another (msg/s): two units, two scales. */
function drawCharts(samples: Sample[]): void {
  const groups = [...new Set(samples.flatMap((s) => [...s.groups.keys()]))].sort();
  const lag: Series[] = groups.map((g) => ({
    name: g,
    points: samples.flatMap((s) => {
      const v = s.groups.get(g);
      return v ? [[s.at, v.lag] as [number, number]] : [];
    }),
  }));
  drawChart($("#lag-chart"), lag, {
    unit: "messages",
    format: count,
    label: "Lag per group",
    windowMs: WINDOW_MS,
  });
  const flow: Series[] = [
    { name: "produced", points: rates(samples, (s) => s.produced) },
    ...groups.map((g) => ({
      name: `delivered to ${g}`,
      points: rates(samples, (s) => s.groups.get(g)?.delivered),
    })),
  ];
  drawChart($("#rate-chart"), flow, {
    unit: "msg/s",
    format: rate,
    label: "Produce and delivery rates",
    windowMs: WINDOW_MS,
  });
}

/** A topic: its queues, its groups (a page at a time), live charts from its history and stats polled every 2 s, and its settings. */
export async function topicView(topic: string): Promise<void> {
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
    showGroups(Object.entries(stats.groups).sort(([a], [b]) => (a < b ? -1 : 1)));
    samples.push(liveSample(stats));
    while (samples.length > 2 && samples[1]!.at < Date.now() - WINDOW_MS) samples.shift();
    drawCharts(samples);
  };
  // The first answer decides the page: an unknown topic or a refused token fails here (main.ts).
  await poll();
  void showSettings(topic).catch(() => undefined);
  const history = await api<TopicHistory>(
    // One minute more than the window: value i is the state at the end of minute i.
    topicPath(topic, `/history?minutes=${WINDOW_MINUTES + 1}`),
  ).catch(() => undefined);
  if (history) {
    samples.unshift(...historySamples(history).filter((s) => s.at < samples[0]!.at));
    drawCharts(samples);
  }
  setInterval(() => void poll().catch(() => undefined), POLL_MS);
}
