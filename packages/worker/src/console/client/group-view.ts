import { ApiError, api, topicInfo, topicPath } from "./api.js";
import { $, confirmAction, fillTable, h, say } from "./dom.js";
import { count, duration } from "./format.js";
import { type FieldSpec, settingsForm } from "./settings-form.js";
import type { BlockedKey, GroupSettings, GroupStats, TopicStats } from "./wire.js";

/** What shapes the group's delivery, in words (`{}`: every message as soon as it can go). */
export function describeSettings(settings: GroupSettings): string {
  const parts: string[] = [];
  if (settings.paused) parts.push("paused: receives get nothing");
  if (settings.ordered) parts.push("ordered: one message of a key at a time, in log order");
  const flow = settings.flow;
  const key = flow?.header ? `header ${flow.header}` : "key";
  if (flow?.parallelism !== undefined)
    parts.push(`at most ${flow.parallelism} in flight per ${key}`);
  if (flow?.ratePerSecond !== undefined)
    parts.push(
      `at most ${flow.ratePerSecond}/s per ${key} (burst ${flow.burst ?? Math.max(1, Math.ceil(flow.ratePerSecond))})`,
    );
  if (settings.maxRetries !== undefined) parts.push(`${settings.maxRetries} retries`);
  if (settings.retryDelayMs !== undefined)
    parts.push(`retry after ${duration(settings.retryDelayMs)}`);
  if (settings.deadLetterTopic !== undefined)
    parts.push(`dead letters go to ${settings.deadLetterTopic}`);
  return parts.length === 0
    ? "Default delivery: every message as soon as it can go."
    : `${parts.join("; ")}.`;
}

/** The group settings the form edits (docs/protocol.md, Group settings); `paused` has its button. */
const GROUP_FIELDS: FieldSpec[] = [
  { name: "ordered", kind: "bool", hint: "one message of a key at a time" },
  { name: "maxRetries", kind: "number", optional: true, hint: "default: the topic's" },
  { name: "retryDelayMs", kind: "duration", optional: true, hint: "default: the topic's schedule" },
  { name: "deadLetterTopic", kind: "text", optional: true },
  { name: "flow.parallelism", kind: "number", optional: true, hint: "in flight per flow key" },
  { name: "flow.ratePerSecond", kind: "number", optional: true },
  { name: "flow.burst", kind: "number", optional: true },
  { name: "flow.header", kind: "text", optional: true, hint: "default: the message key" },
];

const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? "" : "s"}`;

/**
 * A consumer group: per queue its committed offset, lag, in flight,
 * retrying and dead letters; offsets reset to earliest, latest, an offset or
 * a time (after a confirmation); its settings (a form, with `admin`), pause,
 * resume, purge and delete; and the keys holding messages back.
 */
export async function groupView(topic: string, group: string): Promise<void> {
  const base = topicPath(topic, `/groups/${encodeURIComponent(group)}`);
  let stats = await api<TopicStats>(topicPath(topic, "/stats"));
  const admin = (await topicInfo(topic))?.rights.includes("admin") ?? false;
  const pause = $<HTMLButtonElement>("#pause-group");
  const dlq = $<HTMLAnchorElement>("#dead-letters-link");

  const showQueues = () => {
    const g: GroupStats | undefined = stats.groups[group];
    const heads = new Map(stats.queues.map((q) => [q.queueId, q]));
    $("#group-summary").textContent = g
      ? `Lag ${plural(g.lag, "message")}, ${count(g.inFlight)} in flight, ${count(g.retrying)} retrying, ${plural(g.deadLetters, "dead letter")}.`
      : "This group has read nothing yet: it starts at each queue's oldest message.";
    dlq.textContent = `Dead letters (${count(g?.deadLetters ?? 0)})`;
    fillTable(
      $<HTMLTableElement>("#group-queues"),
      stats.queues.map((q) => {
        const gq = g?.queues.find((x) => x.queueId === q.queueId);
        return h(
          "tr",
          { "data-queue": q.queueId },
          h("th", { scope: "row" }, q.queueId),
          h("td", { class: "num", "data-col": "committed" }, gq ? gq.committedOffset : "–"),
          h("td", { class: "num", "data-col": "head" }, heads.get(q.queueId)!.headOffset),
          ...[gq?.lag, gq?.inFlight, gq?.retrying, gq?.deadLetters].map((n) =>
            h("td", { class: "num" }, n === undefined ? "–" : count(n)),
          ),
        );
      }),
      "No queues.",
    );
  };
  const refresh = async () => {
    stats = await api<TopicStats>(topicPath(topic, "/stats"));
    showQueues();
    const { settings } = await api<{ settings: GroupSettings }>(`${base}/settings`);
    $("#group-settings").textContent = describeSettings(settings);
    pause.textContent = settings.paused ? "Resume" : "Pause";
    pause.dataset.paused = String(settings.paused === true);
    showSettingsForm?.(settings as Record<string, unknown>);
    const { keys } = await api<{ keys: BlockedKey[] }>(`${base}/keys?limit=50`);
    fillTable(
      $<HTMLTableElement>("#blocked-keys"),
      keys.map((k) =>
        h(
          "tr",
          { "data-key": k.key },
          h("th", { scope: "row" }, h("code", {}, k.key)),
          h("td", { class: "num" }, k.queueId),
          h("td", { class: "num" }, k.waiting),
          h(
            "td",
            {},
            k.blockedBy
              ? `offset ${k.blockedBy.offset}, ${k.blockedBy.state} (delivered ${k.blockedBy.deliveryCount}×)`
              : "its rate limit",
          ),
        ),
      ),
      "No key holds a message back.",
    );
  };

  let showSettingsForm: ((s: Record<string, unknown>) => void) | undefined;
  if (admin) {
    const form = $<HTMLFormElement>("#group-settings-form");
    form.hidden = false;
    showSettingsForm = settingsForm(
      form,
      GROUP_FIELDS,
      async (next) =>
        (
          await api<{ settings: Record<string, unknown> }>(
            `${base}/settings`,
            next,
            undefined,
            "PUT",
          )
        ).settings,
      // Pause has its own button: a save keeps it as it is.
      (current) => (current.paused ? { paused: true } : {}),
    );
    $("#group-actions").hidden = false;
    pause.addEventListener("click", async () => {
      const paused = pause.dataset.paused === "true";
      await api(`${base}/${paused ? "resume" : "pause"}`, {});
      say(paused ? `Group ${group} resumed.` : `Group ${group} paused.`);
      await refresh();
    });
    // A group that should not exist (a typo, a hostile name) can be removed: offsets, leases, retries, dead letters.
    $("#delete-group").addEventListener("click", async () => {
      if (
        !(await confirmAction(
          `Delete group ${group}? Its offsets, leases, retries and dead letters are deleted; the messages stay.`,
          "Delete",
        ))
      )
        return;
      await api(base, undefined, undefined, "DELETE");
      location.assign(`/console/topics/${encodeURIComponent(topic)}`);
    });
    $("#purge-group").addEventListener("click", async () => {
      if (
        !(await confirmAction(
          `Purge the backlog of group ${group}? Every message it has not acknowledged is skipped for it; other groups keep theirs.`,
          "Purge",
        ))
      )
        return;
      const { purged } = await api<{ purged: number }>(`${base}/purge`, {});
      say(`Purged ${plural(purged, "message")} from group ${group}.`);
      await refresh();
    });
  } else $("#group-actions").remove();
  resetOffsets(topic, group, () => stats, refresh);
  await refresh();
}

/**
 * Offsets reset (`POST …/offsets` with `reset: true`) to earliest or latest
 * (the stats' minOffset and headOffset), an offset, or a time (`GET
 * …/offsets?at=`), on one queue or all, after a confirmation that lists
 * the new offsets; the answer shows the offsets the broker now holds.
 */
function resetOffsets(
  topic: string,
  group: string,
  stats: () => TopicStats,
  refresh: () => Promise<void>,
): void {
  const form = $<HTMLFormElement>("#reset");
  const to = $<HTMLSelectElement>("#reset-to");
  const queue = $<HTMLSelectElement>("#reset-queue");
  const offsetField = $("#reset-offset").closest<HTMLElement>(".field")!;
  const timeField = $("#reset-time").closest<HTMLElement>(".field")!;
  const error = $("#reset-error");
  const result = $("#reset-result");
  queue.replaceChildren(
    h("option", { value: "all" }, "every queue"),
    ...stats().queues.map((q) => h("option", { value: q.queueId }, `queue ${q.queueId}`)),
  );
  const showInputs = () => {
    offsetField.hidden = to.value !== "offset";
    timeField.hidden = to.value !== "time";
  };
  to.addEventListener("change", showInputs);
  showInputs();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const queues = stats().queues.filter(
      (q) => queue.value === "all" || q.queueId === Number(queue.value),
    );
    let targets: Record<string, number>;
    let what: string;
    try {
      if (to.value === "offset") {
        const raw = $<HTMLInputElement>("#reset-offset").value.trim();
        if (!/^\d+$/.test(raw)) {
          error.textContent = "Write the offset as a whole number.";
          return;
        }
        // One queue: an offset is a position in one queue (and one commit is all or nothing).
        if (queue.value === "all") {
          error.textContent = "Pick one queue: an offset is a position in one queue.";
          return;
        }
        targets = Object.fromEntries(queues.map((q) => [String(q.queueId), Number(raw)]));
        what = `offset ${raw}`;
      } else if (to.value === "time") {
        const at = new Date($<HTMLInputElement>("#reset-time").value).getTime();
        if (Number.isNaN(at)) {
          error.textContent = "Pick a date and time.";
          return;
        }
        const { offsets } = await api<{ offsets: Record<string, number> }>(
          topicPath(topic, `/offsets?at=${at}`),
        );
        targets = Object.fromEntries(queues.map((q) => [String(q.queueId), offsets[q.queueId]!]));
        what = `the first message produced at or after ${new Date(at).toLocaleString()}`;
      } else {
        const latest = to.value === "latest";
        targets = Object.fromEntries(
          queues.map((q) => [String(q.queueId), latest ? q.headOffset : q.minOffset]),
        );
        what = latest ? "the latest offset (skip the backlog)" : "the earliest retained offset";
      }
      const list = Object.entries(targets)
        .map(([q, o]) => `queue ${q} → ${o}`)
        .join(", ");
      if (
        !(await confirmAction(
          `Reset group ${group} to ${what}: ${list}? Its consumers read from there on; messages in flight are delivered again if the offset moves back.`,
          "Reset offsets",
        ))
      )
        return;
      const { offsets } = await api<{ offsets: Record<string, number> }>(
        topicPath(topic, `/groups/${encodeURIComponent(group)}/offsets`),
        { offsets: targets, reset: true },
      );
      result.dataset.offsets = JSON.stringify(offsets);
      result.textContent = `Offsets now: ${Object.entries(offsets)
        .map(([q, o]) => `queue ${q} → ${o}`)
        .join(", ")}.`;
      await refresh();
    } catch (e) {
      if (!(e instanceof ApiError) || e.status >= 500) throw e;
      error.textContent = `${e.message}: nothing was changed.`;
    }
  });
}
