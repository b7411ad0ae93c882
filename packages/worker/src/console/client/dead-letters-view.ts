import { api, topicInfo, topicPath } from "./api.js";
import { $, confirmAction, fillTable, h, say } from "./dom.js";
import { bodyText, time } from "./format.js";
import type { DeadLetter } from "./wire.js";

const STEP = 50;
/** The API's largest dead-letter page. */
const MOST = 1000;
/** The API's largest redrive or discard: "all" for any dead-letter queue an operator handles by hand. */
const ALL = 100_000;

/**
 * A group's dead letters, oldest first, `STEP` more at a time: reason and
 * delivery count, and (for a token with `admin`) redrive or delete one, a
 * selection or all, each after a confirmation.
 */
export async function deadLettersView(topic: string, group: string): Promise<void> {
  const admin = (await topicInfo(topic))?.rights.includes("admin") ?? false;
  const base = topicPath(topic, `/groups/${encodeURIComponent(group)}/dlq`);
  const table = $<HTMLTableElement>("#dead-letters");
  const selectedButton = $<HTMLButtonElement>("#redrive-selected");
  const allButton = $<HTMLButtonElement>("#redrive-all");
  const discardSelected = $<HTMLButtonElement>("#discard-selected");
  const discardAll = $<HTMLButtonElement>("#discard-all");
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
  // Deleted for good (`…/dlq/discard`): the messages stay in the log, the group never gets them again.
  const discard = async (body: { msgIds: string[] } | { limit: number }, what: string) => {
    if (
      !(await confirmAction(
        `Delete ${what} of group ${group} for good? The group will not receive them again; the messages stay in the log for other groups.`,
        "Delete",
      ))
    )
      return;
    const { discarded } = await api<{ discarded: number }>(`${base}/discard`, body);
    say(`Deleted ${discarded} dead letter${discarded === 1 ? "" : "s"}.`);
    await load();
  };
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
      h("td", {}, h("details", {}, h("summary", {}, "Body"), h("pre", {}, bodyText(m)))),
    ];
    if (admin) {
      const box = h("input", {
        type: "checkbox",
        value: m.msgId,
        "aria-label": `Select ${m.msgId}`,
      });
      box.addEventListener("change", () => {
        selectedButton.disabled = discardSelected.disabled = selected().length === 0;
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
          h(
            "button",
            {
              type: "button",
              class: "danger discard-one",
              onclick: () => void discard({ msgIds: [m.msgId] }, `dead letter ${m.msgId}`),
            },
            "Delete",
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
    selectedButton.disabled = discardSelected.disabled = true;
    more.hidden = messages.length < limit || limit >= MOST;
    allButton.disabled = discardAll.disabled = messages.length === 0;
  };
  selectedButton.addEventListener("click", () => {
    const ids = selected();
    void redrive({ msgIds: ids }, `${ids.length} selected message${ids.length === 1 ? "" : "s"}`);
  });
  allButton.addEventListener("click", () => void redrive({ limit: ALL }, "every dead letter"));
  discardSelected.addEventListener("click", () => {
    const ids = selected();
    void discard(
      { msgIds: ids },
      `${ids.length} selected dead letter${ids.length === 1 ? "" : "s"}`,
    );
  });
  discardAll.addEventListener("click", () => void discard({ limit: ALL }, "every dead letter"));
  more.addEventListener("click", () => {
    limit = Math.min(MOST, limit + STEP);
    void load();
  });
  await load();
}
