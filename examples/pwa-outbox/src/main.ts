import { createOutbox, type Outbox, registerBackgroundSync } from "@edgeq/browser";
import { type Order, outboxOptions } from "./config.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Every order is an app write and an outgoing message, committed together. */
async function addOrder(outbox: Outbox, form: HTMLFormElement): Promise<void> {
  const data = new FormData(form);
  const order: Order = {
    id: crypto.randomUUID(),
    customer: String(data.get("customer")),
    item: String(data.get("item")),
    quantity: Number(data.get("quantity")),
    createdAt: Date.now(),
  };
  await outbox.commitWith(["orders"], (tx) => {
    void tx.objectStore("orders").put(order);
    tx.send({ type: "order.created", order }, { key: order.customer });
  });
  form.reset();
}

async function render(outbox: Outbox): Promise<void> {
  const stats = await outbox.stats();
  $("pending").textContent = String(stats.pending);
  $("synced").textContent = String(stats.acknowledged);
  $("dead").textContent = String(stats.deadLetters);
  $("last-error").textContent = stats.lastError ? `Last error: ${stats.lastError.message}` : "";
  const online = navigator.onLine;
  $("online").textContent = online ? "online" : "offline";
  $("online").dataset.online = String(online);
  const orders = (await outbox.db.getAll("orders")) as Order[];
  $("orders").replaceChildren(
    ...orders
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((o) => {
        const li = document.createElement("li");
        li.textContent = `${o.quantity} × ${o.item} for ${o.customer} `;
        const when = document.createElement("small");
        when.textContent = new Date(o.createdAt).toLocaleTimeString();
        li.append(when);
        return li;
      }),
  );
  const dead = await outbox.deadLetters();
  $("dead-letters").replaceChildren(
    ...dead.map((d) => {
      const li = document.createElement("li");
      li.textContent = `Refused by the server (${d.reason.code}): ${JSON.stringify(d.body)}`;
      return li;
    }),
  );
}

async function main(): Promise<void> {
  const outbox = await createOutbox(outboxOptions);
  const refresh = () => void render(outbox);
  for (const type of ["queued", "acknowledged", "failed", "syncstate", "online", "offline"])
    outbox.addEventListener(type, refresh);
  const form = $<HTMLFormElement>("new-order");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void addOrder(outbox, form).then(refresh);
  });
  await render(outbox);
  // For the end-to-end test and the curious: the outbox of this page.
  (globalThis as { edgeqOutbox?: Outbox }).edgeqOutbox = outbox;
  document.body.dataset.ready = "true";
  await registerServiceWorker();
}

/** The app shell cache and Background Sync; offline, an update check may fail, which changes nothing. */
async function registerServiceWorker(): Promise<void> {
  if (!("serviceWorker" in navigator)) return;
  try {
    // Vite serves the worker as a module in development; the build emits /sw.js.
    const url = import.meta.env.DEV ? "/src/sw.ts" : "/sw.js";
    await navigator.serviceWorker.register(url, { type: "module", scope: "/" });
    await registerBackgroundSync();
  } catch (error) {
    console.warn("service worker not registered:", error);
  }
}

void main();
