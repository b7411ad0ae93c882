import { api, topicPath, topics } from "./api.js";
import { $, fillTable, h, pagedList } from "./dom.js";
import { bytes, count } from "./format.js";
import type { TopicInfo, TopicStats } from "./wire.js";

const PAGE = 20;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
/** A few queues' offsets in a cell; the topic page has them all. */
const offsets = (values: number[]) =>
  values.slice(0, 8).join(" · ") + (values.length > 8 ? ` … (${values.length})` : "");

function topicRow(topic: TopicInfo, stats: TopicStats | undefined): HTMLTableRowElement {
  const q = stats?.queues ?? [];
  const cells = stats
    ? [
        count(sum(q.map((x) => x.headOffset - x.minOffset))),
        offsets(q.map((x) => x.headOffset)),
        offsets(q.map((x) => x.minOffset)),
        bytes(sum(q.map((x) => x.bytes))),
        count(sum(q.map((x) => x.scheduled))),
        count(sum(q.map((x) => x.pendingTransactions))),
        count(Object.keys(stats.groups).length),
      ]
    : ["no consume right", "", "", "", "", "", ""];
  return h(
    "tr",
    { "data-topic": topic.topic },
    h(
      "th",
      { scope: "row" },
      h("a", { href: `/console/topics/${encodeURIComponent(topic.topic)}` }, topic.topic),
    ),
    h("td", { class: "num", "data-col": "queues" }, topic.queueCount),
    ...cells.map((c) => h("td", {}, c)),
  );
}

/** Topics page: the token's topics, a page at a time, each with its stats. */
export async function topicsView(): Promise<void> {
  const table = $<HTMLTableElement>("#topics");
  const show = pagedList<TopicInfo>($("#topics-pager"), PAGE, (page) => {
    void Promise.all(
      page.map(async (t) =>
        topicRow(
          t,
          t.rights.includes("consume")
            ? await api<TopicStats>(topicPath(t.topic, "/stats"))
            : undefined,
        ),
      ),
    ).then((rows) => fillTable(table, rows, "This token may use no topic."));
  });
  show(await topics());
}
