import type { Order } from "./config.js";

/** An order the person took, with the id of the outbox message that carries it. */
export type TakenOrder = Order & {
  messageId: string;
  /** The person gave up on it after it was refused. */
  discarded?: boolean;
};

const KEY = "react-orders";

/** The orders this device took, newest first (the app's own state; the outbox holds the messages). */
export function loadOrders(): TakenOrder[] {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? "[]") as TakenOrder[];
  } catch {
    return [];
  }
}

export function saveOrders(orders: TakenOrder[]): void {
  localStorage.setItem(KEY, JSON.stringify(orders));
}
