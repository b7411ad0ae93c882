import { api, topicPath } from "./api.js";
import { $, confirmAction, fillTable, h, pagedList, say } from "./dom.js";
import { count, time } from "./format.js";
import type { Transaction } from "./wire.js";

/** Undecided transactions, 20 a page, each committed or rolled back by hand after a confirmation. */
export async function transactionsView(topic: string): Promise<void> {
  const table = $<HTMLTableElement>("#transactions");
  const nav = h(
    "nav",
    { class: "pager", "aria-label": "Transaction pages" },
    h("button", { type: "button", "data-dir": "prev", disabled: true }, "Previous"),
    h("span", { "aria-live": "polite" }),
    h("button", { type: "button", "data-dir": "next", disabled: true }, "Next"),
  );
  table.parentElement?.after(nav);
  const decide = async (tx: Transaction, action: "commit" | "rollback") => {
    const verb = action === "commit" ? "Commit" : "Roll back";
    const effect =
      action === "commit" ? "its messages become visible to consumers" : "its messages are dropped";
    if (!(await confirmAction(`${verb} transaction ${tx.txId}? ${effect}.`, verb))) return;
    const done = await api<Transaction>(
      topicPath(topic, `/transactions/${encodeURIComponent(tx.txId)}`),
      { action },
    );
    say(`Transaction ${done.txId} is ${done.state.replace("_", " ")}.`);
    await load();
  };
  const show = pagedList<Transaction>(nav, 20, (page) =>
    fillTable(
      table,
      page.map((tx) =>
        h(
          "tr",
          { "data-tx-id": tx.txId },
          h("th", { scope: "row" }, h("code", {}, tx.txId)),
          h("td", {}, tx.producerId),
          h("td", {}, tx.state),
          h("td", {}, time(tx.createdAt)),
          h("td", { class: "num" }, count(tx.checks)),
          h("td", { class: "num" }, count(tx.messages.length)),
          h(
            "td",
            {},
            h(
              "div",
              { class: "actions" },
              h("button", { type: "button", onclick: () => void decide(tx, "commit") }, "Commit"),
              h(
                "button",
                { type: "button", class: "danger", onclick: () => void decide(tx, "rollback") },
                "Roll back",
              ),
            ),
          ),
        ),
      ),
      "No transaction awaits a decision.",
    ),
  );
  const load = async () =>
    show(
      (await api<{ transactions: Transaction[] }>(topicPath(topic, "/transactions"))).transactions,
    );
  await load();
}
