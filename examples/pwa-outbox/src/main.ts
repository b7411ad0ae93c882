import {
  createOutbox,
  inspectOutbox,
  type MessageInfo,
  type Outbox,
  type OutboxInspector,
  registerBackgroundSync,
} from "@edgeq/browser";
import { type Order, outboxOptions } from "./config.js";
import { session } from "./session.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Orders shown, newest first: the list stays quick however many the device holds. */
const SHOWN = 50;

/** Every order is an app write and an outgoing message, committed together; the order keeps the message's id. */
function saveOrder(
  outbox: Outbox,
  { messageId: _, discarded: __, ...order }: Order,
): Promise<unknown> {
  return outbox.commitWith(["orders"], (tx) => {
    const { id } = tx.send({ type: "order.created", order }, { key: order.customer });
    void tx.objectStore("orders").put({ ...order, messageId: id });
  });
}

async function addOrder(outbox: Outbox, form: HTMLFormElement): Promise<void> {
  const data = new FormData(form);
  await saveOrder(outbox, {
    id: crypto.randomUUID(),
    customer: String(data.get("customer")),
    item: String(data.get("item")),
    quantity: Number(data.get("quantity")),
    createdAt: Date.now(),
  });
  form.reset();
}

/** What an order's message state means to the person who took the order. */
function describe(order: Order, info: MessageInfo | undefined): { state: string; text: string } {
  if (order.discarded) return { state: "discarded", text: "Discarded: not sent" };
  switch (info?.state) {
    case "pending":
      return { state: "saved", text: "Saved on this device" };
    case "inFlight":
      return { state: "sent", text: "Sent, waiting for the server" };
    // Forgotten: handled long ago and not refused (a refused one stays until retried or discarded).
    case "acknowledged":
    case "forgotten":
      return { state: "server", text: "On the server" };
    case "deadLetter":
      return { state: "refused", text: `Refused by the server: ${info.reason?.message ?? ""}` };
    default:
      return { state: "unknown", text: "" };
  }
}

function button(label: string, onClick: () => Promise<unknown>): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", () => {
    b.disabled = true;
    void onClick();
  });
  return b;
}

/**
 * A refused order is sent again as a new message in one transaction with the
 * order that now names it; the old dead letter goes afterwards (if that is
 * cut short, an extra dead letter stays in the outbox panel, nothing else).
 */
async function retry(outbox: Outbox, inspector: OutboxInspector, order: Order): Promise<void> {
  const old = order.messageId;
  await saveOrder(outbox, order);
  if (old) await inspector.discard(old);
}

async function discard(outbox: Outbox, inspector: OutboxInspector, order: Order): Promise<void> {
  await outbox.db.put("orders", { ...order, discarded: true });
  if (order.messageId) await inspector.discard(order.messageId);
}

/** The order list's items, each with its state (read first, shown together with the rest). */
async function orderItems(
  outbox: Outbox,
  inspector: OutboxInspector,
  refresh: () => void,
): Promise<HTMLElement[]> {
  const orders = ((await outbox.db.getAll("orders")) as Order[])
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, SHOWN);
  const infos = await Promise.all(
    orders.map((o) => (o.messageId ? inspector.status(o.messageId) : undefined)),
  );
  return orders.map((o, i) => {
    const li = document.createElement("li");
    li.dataset.order = o.id;
    if (o.messageId) li.dataset.messageId = o.messageId;
    const item = o.item.length > 60 ? `${o.item.slice(0, 57)}…` : o.item;
    li.textContent = `${o.quantity} × ${item} for ${o.customer} `;
    const when = document.createElement("small");
    when.textContent = new Date(o.createdAt).toLocaleTimeString();
    const { state, text } = describe(o, infos[i]);
    const badge = document.createElement("span");
    badge.className = "state";
    badge.dataset.state = state;
    badge.textContent = text;
    li.append(when, " ", badge);
    if (state === "refused")
      li.append(
        " ",
        button("Retry", () => retry(outbox, inspector, o).then(refresh)),
        " ",
        button("Discard", () => discard(outbox, inspector, o).then(refresh)),
      );
    return li;
  });
}

/** The outbox panel: a few of the messages in each state, as the outbox holds them. */
async function outboxSections(inspector: OutboxInspector): Promise<HTMLElement[]> {
  const states = [
    ["pending", "Saved, not sent yet"],
    ["inFlight", "On the way"],
    ["acknowledged", "On the server (latest)"],
    ["deadLetter", "Refused"],
  ] as const;
  const pages = await Promise.all(states.map(([state]) => inspector.list({ state, limit: 5 })));
  return states.map(([state, title], i) => {
    const { messages, next } = pages[i]!;
    const section = document.createElement("div");
    section.dataset.outboxState = state;
    const h = document.createElement("h3");
    h.textContent = `${title}: ${messages.length}${next === undefined ? "" : "+"}`;
    const ul = document.createElement("ul");
    ul.append(
      ...messages.map((m) => {
        const li = document.createElement("li");
        const detail =
          m.state === "acknowledged"
            ? `queue ${m.answer?.queueId}, offset ${m.answer?.offset ?? "(delayed)"}`
            : m.state === "deadLetter"
              ? `${m.reason?.code}`
              : new Date(m.queuedAt).toLocaleTimeString();
        li.textContent = `#${m.seq} · ${detail}`;
        return li;
      }),
    );
    section.append(h, ul);
    return section;
  });
}

/** Reads everything first, then changes the page in one go, so it never shows half an update. */
async function render(outbox: Outbox, inspector: OutboxInspector, refresh: () => void) {
  const [stats, orders, sections] = await Promise.all([
    outbox.stats(),
    orderItems(outbox, inspector, refresh),
    outboxSections(inspector),
  ]);
  $("pending").textContent = String(stats.pending);
  $("synced").textContent = String(stats.acknowledged);
  $("dead").textContent = String(stats.deadLetters);
  $("last-error").textContent = stats.lastError ? `Last error: ${stats.lastError.message}` : "";
  const online = navigator.onLine;
  $("online").textContent = online ? "online" : "offline";
  $("online").dataset.online = String(online);
  $("paused").hidden = outbox.state !== "paused";
  $("orders").replaceChildren(...orders);
  $("outbox").replaceChildren(...sections);
}

async function main(): Promise<void> {
  // First, beside the outbox's open, and the page is "ready" only once its worker
  // is registered: WebKitGTK 2.50 never installs a worker whose page reloaded
  // while the worker's script was evaluating (dev/service-worker.ts), and the
  // registration resolves only after that evaluation.
  const registered = registerServiceWorker();
  const outbox = await createOutbox(outboxOptions);
  const inspector = inspectOutbox(outbox);
  // One render at a time, and one more after it when something changed meanwhile.
  let rendering: Promise<void> | undefined;
  let again = false;
  const refresh = (): void => {
    if (rendering) {
      again = true;
      return;
    }
    rendering = render(outbox, inspector, refresh).finally(() => {
      rendering = undefined;
      if (again) {
        again = false;
        refresh();
      }
    });
  };
  for (const type of ["queued", "acknowledged", "failed", "syncstate", "online", "offline"])
    outbox.addEventListener(type, refresh);
  const form = $<HTMLFormElement>("new-order");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void addOrder(outbox, form).then(refresh);
  });
  listenToAccount(outbox);
  refresh();
  await rendering;
  // For the end-to-end test and the curious: the outbox of this page.
  (globalThis as { edgeqOutbox?: Outbox }).edgeqOutbox = outbox;
  const registration = await registered;
  document.body.dataset.ready = "true";
  if (registration) await prepareOffline();
}

/** Who is signed in; a sign-in resumes a sync paused for want of a token. */
function listenToAccount(outbox: Outbox): void {
  const signIn = $<HTMLFormElement>("sign-in");
  const show = (user: string | null) => {
    signIn.hidden = user !== null;
    $("signed-in").hidden = user === null;
    $("user").textContent = user ?? "";
    document.body.dataset.user = user ?? "";
    $("account-error").textContent = "";
  };
  const failed = (error: Error) => {
    $("account-error").textContent = `Could not reach the sign-in server: ${error.message}`;
  };
  signIn.addEventListener("submit", (event) => {
    event.preventDefault();
    const user = String(new FormData(signIn).get("user"));
    session.signIn(user).then(() => {
      show(user);
      outbox.resumeAuth();
    }, failed);
  });
  $("sign-out").addEventListener("click", () => {
    session.signOut().then(() => show(null), failed);
  });
  // Offline the server cannot say: the form stays as it was, orders are saved all the same.
  session.user().then(show, () => {});
}

/** The app shell's worker; offline, an update check may fail, which changes nothing. */
async function registerServiceWorker(): Promise<ServiceWorkerRegistration | undefined> {
  if (!("serviceWorker" in navigator)) return undefined;
  // One file with nothing to import, under `npm start` too (dev/service-worker.ts).
  return navigator.serviceWorker
    .register("/sw.js", { type: "module", scope: "/" })
    .catch((error) => {
      console.warn("service worker not registered:", error);
      return undefined;
    });
}

/** Once the worker is active: Background Sync, and the files it has not seen cached. */
async function prepareOffline(): Promise<void> {
  try {
    await registerBackgroundSync();
    await cacheShell();
    document.body.dataset.offlineReady = "true";
    $("offline-ready").hidden = false;
  } catch (error) {
    console.warn("offline preparation failed:", error);
  }
}

/**
 * Hands the worker every file of this origin the page has loaded: those
 * fetched before the worker took control were not cached on the way (see sw.ts).
 */
async function cacheShell(): Promise<void> {
  const urls = [
    location.href,
    ...performance.getEntriesByType("resource").map((entry) => entry.name),
  ].filter((u) => new URL(u).origin === location.origin);
  for (let attempt = 0; attempt < 3; attempt++) {
    const worker = (await navigator.serviceWorker.ready).active;
    const answered = await new Promise<boolean>((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve(true);
      // A worker replaced meanwhile (an update: under `npm start`, any edit) never
      // answers: after a while, ask the active one again.
      setTimeout(() => resolve(false), 5_000);
      worker?.postMessage({ type: "cache-shell", urls }, [channel.port2]);
    });
    if (answered) return;
  }
}

void main();
