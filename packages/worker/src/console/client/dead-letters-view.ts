import { api, topicInfo, topicPath } from "./api.js";
import { $, confirmAction, fillTable, h, say } from "./dom.js";
import { bodyText, time } from "./format.js";
import type { BlockedKey, DeadLetter, GroupSettings } from "./wire.js";

const STEP = 50;
/** The API's largest dead-letter page. */
const MOST = 1000;
/** The API's largest redrive: "all" for any dead-letter queue an operator would redrive by hand. */
const ALL = 100_000;

/**
 * A group's dead letters, oldest first, `STEP` more at a time: reason and
 * delivery count, and (for a token with `admin`) redrive one, a selection or
 * all, each after a confirmation.
 */
export async function deadLettersView(topic: string, group: string): Promise<void> {
  const admin = (await topicInfo(topic))?.rights.includes("admin") ?? false;
  const base = topicPath(topic, `/groups/${encodeURIComponent(group)}/dlq`);
  const table = $<HTMLTableElement>("#dead-letters");
  const selectedButton = $<HTMLButtonElement>("#redrive-selected");
  const allButton = $<HTMLButtonElement>("#redrive-all");
  const more = $<HTMLButtonElement>("#dead-more");
  let limit = STEP;
  if (!admin) for (const i of [6, 0]) table.tHead?.rows[0]?.cells[i]?.remove();
  // Without admin the API refuses a redrive: the buttons are not there at all.
  if (admin) $("#redrive-actions").hidden = false;
  else $("#redrive-actions").remove();

  const selected = () =>
    [...table.querySelectorAll<HTMLInputElement>("input[type=checkbox]:checked")].map(
      (c) => c.value,
    );
  const redrive = async (body: { msgIds: string[] } | { limit: number }, what: string) => {
    if (
      !(await confirmAction(
        `Redrive ${what} to group ${group}? They are delivered again at once.`,
        "Redrive",
      ))
    )
      return;
    const { redriven } = await api<{ redriven: number }>(`${base}/redrive`, body);
    say(`Redriven ${redriven} message${redriven === 1 ? "" : "s"}.`);
    await load();
  };
  await deliveryView(topic, group, admin);
  const row = (d: DeadLetter) => {
    const m = d.message;
    const cells = [
      h(
        "td",
        {},
        h("code", {}, m.msgId),
        h("div", { class: "meta" }, `queue ${m.queueId} · offset ${m.offset}`),
      ),
      h("td", { "data-col": "reason" }, d.reason),
      // Delivered once, then once more per failure (reconsumeTimes).
      h("td", { class: "num", "data-col": "deliveries" }, m.reconsumeTimes + 1),
      h("td", {}, time(d.deadAt)),
      h("td", {}, h("pre", {}, bodyText(m))),
    ];
    if (admin) {
      const box = h("input", {
        type: "checkbox",
        value: m.msgId,
        "aria-label": `Select ${m.msgId}`,
      });
      box.addEventListener("change", () => {
        selectedButton.disabled = selected().length === 0;
      });
      cells.unshift(h("td", {}, box));
      cells.push(
        h(
          "td",
          {},
          h(
            "button",
            {
              type: "button",
              class: "redrive-one",
              onclick: () => void redrive({ msgIds: [m.msgId] }, `message ${m.msgId}`),
            },
            "Redrive",
          ),
        ),
      );
    }
    return h("tr", { "data-msg-id": m.msgId }, ...cells);
  };
  const load = async () => {
    const { messages } = await api<{ messages: DeadLetter[] }>(`${base}?limit=${limit}`);
    fillTable(
      table,
      messages.map(row),
      "No dead letters: every message of this group was handled or is still being retried.",
    );
    selectedButton.disabled = true;
    more.hidden = messages.length < limit || limit >= MOST;
    allButton.disabled = messages.length === 0;
  };
  selectedButton.addEventListener("click", () => {
    const ids = selected();
    void redrive({ msgIds: ids }, `${ids.length} selected message${ids.length === 1 ? "" : "s"}`);
  });
  allButton.addEventListener("click", () => void redrive({ limit: ALL }, "every dead letter"));
  more.addEventListener("click", () => {
    limit = Math.min(MOST, limit + STEP);
    void load();
  });
  await load();
}

/** What shapes the group's delivery, in words (`{}`: every message as soon as it can go). */
function describeSettings(settings: GroupSettings): string {
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
  if (settings.retryDelayMs !== undefined) parts.push(`retry after ${settings.retryDelayMs} ms`);
  if (settings.deadLetterTopic !== undefined)
    parts.push(`dead letters go to ${settings.deadLetterTopic}`);
  return parts.length === 0
    ? "Default delivery: every message as soon as it can go."
    : `${parts.join("; ")}.`;
}

/**
 * The group's delivery: its settings, which keys hold messages back and by
 * what, and (with `admin`) pause or resume and purge its backlog, each
 * purge after a confirmation.
 */
async function deliveryView(topic: string, group: string, admin: boolean): Promise<void> {
  const base = topicPath(topic, `/groups/${encodeURIComponent(group)}`);
  const pause = $<HTMLButtonElement>("#pause-group");
  const show = async () => {
    const { settings } = await api<{ settings: GroupSettings }>(`${base}/settings`);
    $("#group-settings").textContent = describeSettings(settings);
    pause.textContent = settings.paused ? "Resume" : "Pause";
    pause.dataset.paused = String(settings.paused === true);
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
  if (admin) {
    $("#group-actions").hidden = false;
    pause.addEventListener("click", async () => {
      const paused = pause.dataset.paused === "true";
      await api(`${base}/${paused ? "resume" : "pause"}`, {});
      say(paused ? `Group ${group} resumed.` : `Group ${group} paused.`);
      await show();
    });
    // A group that should not exist (a typo, a hostile name) can be removed: offsets, leases, retries, dead letters.
    $<HTMLButtonElement>("#delete-group").addEventListener("click", async () => {
      if (
        !(await confirmAction(
          `Delete group ${group}? Its offsets, leases, retries and dead letters are deleted; the messages stay.`,
          "Delete",
        ))
      )
        return;
      await api(
        topicPath(topic, `/groups/${encodeURIComponent(group)}`),
        undefined,
        undefined,
        "DELETE",
      );
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
      say(`Purged ${purged} message${purged === 1 ? "" : "s"} from group ${group}.`);
      await show();
    });
  } else $("#group-actions").remove();
  await show();
}
