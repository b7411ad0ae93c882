import { DurableStream } from "@durable-streams/client";

/**
 * Follows a stream live: everything from the start, then each new append as
 * it lands (SSE by default, `?live=long-poll` for long-polls). The stream's
 * URL is `?stream=`; the page shows each event as a list item.
 */
interface TickEvent {
  n: number;
  text: string;
}

const params = new URLSearchParams(location.search);
const url = params.get("stream");
const live = params.get("live") === "long-poll" ? "long-poll" : "sse";
const list = document.getElementById("events") as HTMLOListElement;
const status = document.getElementById("status") as HTMLElement;

async function follow(streamUrl: string): Promise<void> {
  const stream = new DurableStream({ url: streamUrl });
  const response = await stream.stream<TickEvent>({ offset: "-1", live });
  response.subscribeJson<TickEvent>((batch) => {
    for (const event of batch.items) {
      const item = document.createElement("li");
      item.textContent = `${event.n}: ${event.text}`;
      item.dataset.n = String(event.n);
      list.append(item);
    }
    status.textContent = batch.upToDate ? `live (${live}) at ${batch.offset}` : "catching up";
  });
  document.body.dataset.ready = "true";
}

if (url)
  void follow(url).catch((error: unknown) => {
    status.textContent = `error: ${String(error)}`;
  });
else status.textContent = "add ?stream=<stream URL>";
