import { h } from "./dom.js";
import type { WireMessage } from "./wire.js";

export const count = (n: number) => n.toLocaleString("en-US");

export const time = (ms: number) => new Date(ms).toLocaleString();

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const HEX_SHOWN = 256;

/** A body as the operator reads it: JSON pretty-printed, bytes as a hex dump of their start. */
export function bodyText(message: Pick<WireMessage, "body" | "encoding">): string {
  if (message.encoding !== "base64") return JSON.stringify(message.body, null, 2);
  const raw = atob(String(message.body));
  const hex = Array.from(raw.slice(0, HEX_SHOWN), (c) =>
    c.charCodeAt(0).toString(16).padStart(2, "0"),
  );
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += 16) lines.push(hex.slice(i, i + 16).join(" "));
  const more = raw.length > HEX_SHOWN ? `\n… ${raw.length - HEX_SHOWN} more bytes` : "";
  return `${raw.length} bytes\n${lines.join("\n")}${more}`;
}

/** One message in a list: where it is, its ids, and its body. */
export function messageItem(m: WireMessage): HTMLLIElement {
  const meta = [
    `queue ${m.queueId}`,
    `offset ${m.offset}`,
    m.key === undefined ? undefined : `key ${m.key}`,
    m.tags?.length ? `tags ${m.tags.join(", ")}` : undefined,
    time(m.producedAt),
  ].filter(Boolean);
  return h(
    "li",
    { "data-msg-id": m.msgId },
    h("div", {}, h("code", {}, m.msgId)),
    h("div", { class: "meta" }, meta.join(" · ")),
    h(
      "pre",
      { "aria-label": m.encoding === "base64" ? "Body (bytes)" : "Body (JSON)" },
      bodyText(m),
    ),
  );
}
