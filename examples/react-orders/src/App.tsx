import {
  type MessageProgress,
  OutboxProvider,
  useDeadLetters,
  useMessageStatus,
  useOutboxHandle,
  useOutboxState,
} from "@edgeq/react";
import { type FormEvent, useCallback, useState } from "react";
import { type OrderMessage, outboxOptions } from "./config.js";
import { loadOrders, saveOrders, type TakenOrder } from "./orders.js";

/** What a message's progress means to the person who took the order. */
const PROGRESS_TEXT: Record<MessageProgress, string> = {
  unavailable: "",
  loading: "…",
  saved: "Saved on this device",
  sent: "Sent, waiting for the server",
  server: "On the server",
  refused: "Refused by the server",
  // Handled long ago: on the server (a discarded one is marked so by the app itself).
  forgotten: "On the server",
  unknown: "",
};

export function App() {
  return (
    <OutboxProvider options={outboxOptions}>
      <Orders />
    </OutboxProvider>
  );
}

function Orders() {
  const outbox = useOutboxHandle<OrderMessage>();
  // Read after hydration would be the SSR way; this app renders in the browser only.
  const [orders, setOrders] = useState<TakenOrder[]>(loadOrders);
  const update = useCallback((change: (orders: TakenOrder[]) => TakenOrder[]) => {
    setOrders((current) => {
      const next = change(current);
      saveOrders(next);
      return next;
    });
  }, []);

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const order = {
      customer: String(data.get("customer")),
      item: String(data.get("item")),
      quantity: Number(data.get("quantity")),
      createdAt: Date.now(),
    };
    // Durable in IndexedDB when this resolves; the outbox sends it when it can.
    const { id } = await outbox.send({ type: "order.created", order }, { key: order.customer });
    update((current) => [{ ...order, messageId: id }, ...current]);
    form.reset();
  }

  /** A refused order sent again is a new message: the order follows it. */
  const follow = (from: string, to: string) =>
    update((current) => current.map((o) => (o.messageId === from ? { ...o, messageId: to } : o)));
  const discarded = (id: string) =>
    update((current) => current.map((o) => (o.messageId === id ? { ...o, discarded: true } : o)));

  return (
    <main>
      <h1>Orders</h1>
      <form onSubmit={(e) => void add(e)}>
        <label>
          Customer <input name="customer" required defaultValue="Ada" />
        </label>{" "}
        <label>
          Item <input name="item" required />
        </label>{" "}
        <label>
          Quantity <input name="quantity" type="number" min="1" defaultValue="1" required />
        </label>{" "}
        <button type="submit">Add order</button>
      </form>
      <OutboxPanel />
      <ul aria-label="orders">
        {orders.map((o) => (
          <OrderRow key={o.messageId} order={o} />
        ))}
      </ul>
      <RefusedPanel onRetried={follow} onDiscarded={discarded} />
    </main>
  );
}

function OrderRow({ order }: { order: TakenOrder }) {
  const { progress, reason } = useMessageStatus(order.messageId);
  const shown = order.discarded ? "discarded" : progress;
  return (
    <li data-message-id={order.messageId}>
      {order.quantity} × {order.item.length > 40 ? `${order.item.slice(0, 37)}…` : order.item} for{" "}
      {order.customer}{" "}
      <span className="state" data-progress={shown}>
        {order.discarded ? "Discarded: not sent" : PROGRESS_TEXT[progress]}
        {reason && !order.discarded ? `: ${reason.message}` : ""}
      </span>
    </li>
  );
}

function OutboxPanel() {
  const state = useOutboxState();
  return (
    <section aria-label="outbox">
      <p>
        <span data-online={String(state.online)}>{state.online ? "online" : "offline"}</span>
        {state.pausedForAuth ? " · sending paused: sign in again" : ""}
      </p>
      <dl>
        <dt>Saved, not sent</dt>
        <dd data-count="pending">{state.pending}</dd>
        <dt>On the way</dt>
        <dd data-count="inFlight">{state.inFlight}</dd>
        <dt>On the server</dt>
        <dd data-count="acknowledged">{state.acknowledged}</dd>
        <dt>Refused</dt>
        <dd data-count="deadLetters">{state.deadLetters}</dd>
      </dl>
    </section>
  );
}

function RefusedPanel({
  onRetried,
  onDiscarded,
}: {
  onRetried: (from: string, to: string) => void;
  onDiscarded: (id: string) => void;
}) {
  const { deadLetters, retry, discard } = useDeadLetters();
  if (deadLetters.length === 0) return null;
  return (
    <section aria-label="refused">
      <h2>Refused</h2>
      <ul>
        {deadLetters.map((d) => (
          <li key={d.id} data-dead={d.id}>
            {d.reason.code}: {d.reason.message}{" "}
            <button
              type="button"
              onClick={() => void retry(d.id).then((m) => onRetried(d.id, m.id))}
            >
              Retry
            </button>{" "}
            <button type="button" onClick={() => void discard(d.id).then(() => onDiscarded(d.id))}>
              Discard
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
