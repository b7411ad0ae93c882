// The page, unchanged from the Workbox app: it posts to its own API and lets
// the service worker queue what fails while offline.
const status = document.getElementById("status") as HTMLElement;

/** Posts one order; resolves with what the page tells the person. */
export async function postOrder(order: { n: number; item: string }): Promise<string> {
  try {
    const response = await fetch("/api/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(order),
    });
    // 202: the service worker queued it and said so (captureFailedRequests' `respond: "accepted"`).
    if (response.status === 202) return "accepted";
    return response.ok ? "sent" : `refused ${response.status}`;
  } catch {
    // The service worker kept it: it goes to the server when the network is back.
    return "queued";
  }
}

const form = document.getElementById("order") as HTMLFormElement;
let n = 0;
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const item = String(new FormData(form).get("item"));
  void postOrder({ n: ++n, item }).then((text) => {
    status.textContent = `${item}: ${text}`;
  });
});

const params = new URLSearchParams(location.search);
// The broker settings reach the service worker through its script URL (a real app builds them in).
// `sw` picks the worker: the Workbox one (default) or the one without Workbox.
void navigator.serviceWorker.register(`/${params.get("sw") ?? "sw.js"}?${params}`);
(globalThis as { postOrder?: typeof postOrder }).postOrder = postOrder;
