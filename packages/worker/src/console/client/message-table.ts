import { MESSAGE_COLUMNS } from "../message-columns.js";
import { h } from "./dom.js";
import { bodySize, bodyText, bytes, time } from "./format.js";
import type { WireMessage } from "./wire.js";

/**
 * One message as a `<tbody>` of two rows: the compact row, and its body
 * (with headers), hidden until the row is opened. A tbody per message lets
 * the live tail put new ones on top without splitting a pair.
 */
export function messageRows(m: WireMessage): HTMLTableSectionElement {
  const detail = h(
    "tr",
    { class: "detail", hidden: true },
    h(
      "td",
      { colspan: MESSAGE_COLUMNS.length },
      Object.keys(m.headers ?? {}).length
        ? h("div", { class: "meta" }, `headers ${JSON.stringify(m.headers)}`)
        : null,
      h(
        "pre",
        { "aria-label": m.encoding === "base64" ? "Body (bytes)" : "Body (JSON)" },
        bodyText(m),
      ),
    ),
  );
  const toggle = h(
    "button",
    { type: "button", class: "link", "aria-expanded": "false", title: "Show the body" },
    h("code", {}, m.msgId),
  );
  const open = () => {
    const shown = detail.hidden;
    detail.hidden = !shown;
    toggle.setAttribute("aria-expanded", String(shown));
  };
  toggle.addEventListener("click", (event) => {
    event.stopPropagation();
    open();
  });
  const row = h(
    "tr",
    { class: "msg", onclick: open },
    h("td", { class: "num", "data-col": "offset" }, `${m.queueId}/${m.offset}`),
    h("td", { "data-col": "msg-id" }, toggle),
    h("td", { "data-col": "key" }, m.key ?? ""),
    h("td", { "data-col": "tags" }, (m.tags ?? []).join(", ")),
    h("td", { class: "num", "data-col": "size" }, bytes(bodySize(m))),
    h("td", { "data-col": "produced" }, time(m.producedAt)),
  );
  return h("tbody", { "data-msg-id": m.msgId }, row, detail);
}

/** Replaces a message table's rows; an empty list shows `empty` in one cell across. */
export function showMessages(table: HTMLTableElement, messages: WireMessage[], empty: string) {
  for (const body of [...table.tBodies]) body.remove();
  if (messages.length) table.append(...messages.map(messageRows));
  else
    table.append(h("tbody", {}, h("tr", {}, h("td", { colspan: MESSAGE_COLUMNS.length }, empty))));
}
