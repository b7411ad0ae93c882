import { ApiError, api, topicInfo, topicPath } from "./api.js";
import { $, h, Pager, say } from "./dom.js";
import { messageRows, showMessages } from "./message-table.js";
import type { ReadResult, TopicStats, WireMessage } from "./wire.js";

const PAGE = 20;
const TAIL_POLL_MS = 1000;
/** Messages the live tail keeps on screen, newest first. */
const TAIL_KEPT = 200;

const show = (selector: string, messages: WireMessage[], empty: string) =>
  showMessages($<HTMLTableElement>(selector), messages, empty);

/** Browse one queue by offset, a page at a time, never more than a page in memory. */
function browse(topic: string, stats: TopicStats): void {
  const form = $<HTMLFormElement>("#browse");
  const select = $<HTMLSelectElement>("#queue");
  const fromInput = $<HTMLInputElement>("#from");
  select.replaceChildren(
    ...stats.queues.map((q) =>
      h("option", { value: q.queueId }, `${q.queueId} (${q.headOffset - q.minOffset} messages)`),
    ),
  );
  let from = 0;
  // Only the latest request may draw: a slower earlier one (a queue picked,
  // then an offset asked for at once) must not overwrite its answer.
  let latestLoad = 0;
  const load = async () => {
    const queueId = Number(select.value);
    const mine = ++latestLoad;
    // Shown at once, not when the answer comes: by then the person may have typed another offset.
    fromInput.value = String(from);
    try {
      const page = await api<ReadResult>(
        topicPath(topic, `/queues/${queueId}/messages?from=${from}&limit=${PAGE}`),
      );
      if (mine !== latestLoad) return;
      show("#browse-list", page.messages, "No message at this offset yet.");
      const last = page.headOffset - 1;
      pager.set(
        page.messages.length
          ? `Queue ${queueId}: offsets ${from}–${page.nextOffset - 1} of ${page.minOffset}–${last}`
          : page.headOffset === page.minOffset
            ? `Queue ${queueId} holds no message`
            : `Queue ${queueId}: nothing from offset ${from} (it holds ${page.minOffset}–${last})`,
        from > page.minOffset,
        page.nextOffset < page.headOffset,
      );
      nextFrom = page.nextOffset;
      minOffset = page.minOffset;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      say(`Cannot read there: ${error.message}`);
    }
  };
  let nextFrom = 0;
  let minOffset = 0;
  const pager = new Pager($("#browse-pager"), (direction) => {
    from = direction > 0 ? nextFrom : Math.max(minOffset, from - PAGE);
    void load();
  });
  const latest = () => {
    const q = stats.queues.find((x) => x.queueId === Number(select.value));
    from = Math.max(q?.minOffset ?? 0, (q?.headOffset ?? 0) - PAGE);
  };
  select.addEventListener("change", () => {
    latest();
    void load();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    from = Math.max(0, Number(fromInput.value) || 0);
    void load();
  });
  latest();
  void load();
}

/** Find by message id (one) or by key (that key's messages, oldest first). */
function find(topic: string): void {
  $<HTMLFormElement>("#find").addEventListener("submit", async (event) => {
    event.preventDefault();
    const by = $<HTMLSelectElement>("#find-by").value;
    const value = $<HTMLInputElement>("#find-value").value.trim();
    if (!value) return;
    try {
      const found =
        by === "key"
          ? (
              await api<{ messages: WireMessage[] }>(
                topicPath(topic, `/messages?key=${encodeURIComponent(value)}&limit=${PAGE}`),
              )
            ).messages
          : [await api<WireMessage>(topicPath(topic, `/messages/${encodeURIComponent(value)}`))];
      show("#find-list", found, "No message with this key.");
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      show("#find-list", [], error.status === 404 ? "No such message." : error.message);
    }
  });
}

/**
 * The live tail: stats every second; a queue whose head moved is read from
 * where the tail last saw it, so each new message shows once, newest first.
 */
function tail(topic: string, stats: TopicStats): void {
  const button = $<HTMLButtonElement>("#tail-toggle");
  const list = $<HTMLTableElement>("#tail-list");
  const seen = new Map(stats.queues.map((q) => [q.queueId, q.headOffset]));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const step = async () => {
    const now = await api<TopicStats>(topicPath(topic, "/stats"));
    for (const q of now.queues) {
      let from = Math.max(seen.get(q.queueId) ?? q.headOffset, q.minOffset);
      while (from < q.headOffset) {
        const page = await api<ReadResult>(
          topicPath(topic, `/queues/${q.queueId}/messages?from=${from}&limit=100`),
        );
        // Newest first, under the header.
        list.tHead!.after(...page.messages.map(messageRows).reverse());
        from = page.nextOffset;
        if (!page.messages.length) break;
      }
      seen.set(q.queueId, from);
    }
    while (list.tBodies.length > TAIL_KEPT) list.tBodies[list.tBodies.length - 1]!.remove();
  };
  const loop = () => {
    timer = setTimeout(
      () =>
        void step()
          .catch(() => undefined)
          .then(() => timer !== undefined && loop()),
      TAIL_POLL_MS,
    );
  };
  button.addEventListener("click", () => {
    const on = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(on));
    button.textContent = on ? "Stop following" : "Follow new messages";
    if (on) {
      void step().catch(() => undefined);
      loop();
    } else {
      clearTimeout(timer);
      timer = undefined;
    }
  });
}

/**
 * For a token with `produce`: one message, its body as JSON and an optional
 * key, through the same produce call as any client (no producerId: a test
 * message has no dedup). The answer says where it was stored.
 */
async function publish(topic: string): Promise<void> {
  if (!(await topicInfo(topic))?.rights.includes("produce")) return;
  $("#publish-section").hidden = false;
  const result = $("#publish-result");
  $<HTMLFormElement>("#publish").addEventListener("submit", async (event) => {
    event.preventDefault();
    let body: unknown;
    try {
      body = JSON.parse($<HTMLTextAreaElement>("#publish-body").value);
    } catch {
      result.textContent =
        'The body is not JSON: write a JSON value, such as {"test": true} or "text".';
      return;
    }
    const key = $<HTMLInputElement>("#publish-key").value.trim();
    try {
      const { results } = await api<{
        results: Array<{ msgId: string; queueId: number; offset?: number }>;
      }>(topicPath(topic, "/messages"), { messages: [{ body, ...(key ? { key } : {}) }] });
      const r = results[0]!;
      result.dataset.msgId = r.msgId;
      result.textContent = `Stored: queue ${r.queueId}, offset ${r.offset}, id ${r.msgId}.`;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      result.textContent = `Not stored: ${error.message}`;
    }
  });
}

export async function messagesView(topic: string): Promise<void> {
  void publish(topic).catch(() => undefined);
  const stats = await api<TopicStats>(topicPath(topic, "/stats"));
  browse(topic, stats);
  find(topic);
  tail(topic, stats);
}
