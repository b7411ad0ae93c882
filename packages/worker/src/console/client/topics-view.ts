import { api, topicPath, topicsPage } from "./api.js";
import { $, fillTable, h, Pager } from "./dom.js";
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

/** Topics page: the token's topics, a page at a time from the API (cursor paging), each with its stats. */
export async function topicsView(): Promise<void> {
  const table = $<HTMLTableElement>("#topics");
  // cursors[i] starts page i; the first page has none.
  const cursors: Array<string | undefined> = [undefined];
  let index = 0;
  const show = async () => {
    const page = await topicsPage(PAGE, cursors[index]);
    if (page.nextCursor !== undefined) cursors[index + 1] = page.nextCursor;
    const rows = await Promise.all(
      page.topics.map(async (t) =>
        topicRow(
          t,
          t.rights.includes("consume")
            ? await api<TopicStats>(topicPath(t.topic, "/stats"))
            : undefined,
        ),
      ),
    );
    fillTable(table, rows, "This token may use no topic.");
    pager.set(`Page ${index + 1}`, index > 0, page.nextCursor !== undefined);
  };
  const pager = new Pager($("#topics-pager"), (direction) => {
    index += direction;
    void show();
  });
  await show();
}
