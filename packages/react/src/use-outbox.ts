import type { Outbox, OutboxOptions, QueuedMessage } from "@edgeq/browser";
import { EdgeqError, type Jsonable, type JsonValue } from "@edgeq/core";
import type { DurableSendOptions } from "@edgeq/core/durable";
import {
  createContext,
  createElement,
  type ReactNode,
  useContext,
  useEffect,
  useSyncExternalStore,
} from "react";
import { canUseOutbox } from "./environment.js";
import { sharedOutbox } from "./outbox-registry.js";
import { type OutboxState, type SharedOutbox, UNAVAILABLE } from "./shared-outbox.js";

/**
 * What `useOutbox` returns: the same object for every component on the
 * same outbox, for as long as it is open. `T` types what `send` accepts
 * (compile time only: the outbox stores JSON).
 */
export interface OutboxHandle<T = JsonValue> {
  /** The outbox's database name: what makes two `useOutbox` calls one outbox. */
  readonly key: string;
  /** The outbox once open; rejects with why it could not open (`unavailable` on the server). */
  ready(): Promise<Outbox>;
  /** Resolves once the message is durable in IndexedDB (waits for the outbox to open). */
  send(body: T & Jsonable<T>, options?: DurableSendOptions): Promise<QueuedMessage>;
  /** Resolves when everything sent before is acknowledged or refused; rejects with why a sync failed. */
  flush(): Promise<void>;
  /** @internal The shared entry behind the handle; absent on the server. */
  readonly shared: SharedOutbox | undefined;
}

const handles = new WeakMap<SharedOutbox, OutboxHandle<never>>();

function unavailable(): never {
  throw new EdgeqError("unavailable", "no outbox here: not a browser with IndexedDB (SSR?)");
}

/** The handle of the server render: nothing to open, every call rejects with `unavailable`. */
const SERVER_HANDLE: OutboxHandle<never> = Object.freeze({
  key: "",
  shared: undefined,
  ready: async () => unavailable(),
  send: async () => unavailable(),
  flush: async () => unavailable(),
});

function handleOf<T>(shared: SharedOutbox | undefined): OutboxHandle<T> {
  if (!shared) return SERVER_HANDLE as OutboxHandle<T>;
  let handle = handles.get(shared);
  if (!handle) {
    handle = {
      key: shared.key,
      shared,
      ready: () => shared.ready(),
      send: async (body, options) => (await shared.ready()).send(body, options),
      flush: async () => (await shared.ready()).flush(),
    };
    handles.set(shared, handle);
  }
  return handle as OutboxHandle<T>;
}

/**
 * The page's outbox for these options: one per database (`name`, or
 * `database.name`), shared by every component that asks for it, opened
 * by the first and closed when the last one unmounts. On the server it
 * opens nothing and its calls reject with `unavailable`.
 *
 * @example
 * ```tsx
 * type OrderMessage = { type: "order.created"; order: { id: string; item: string } };
 * function Checkout() {
 *   const outbox = useOutbox<OrderMessage>({ url: "https://queue.example.com", topic: "orders", token });
 *   return <button onClick={() => outbox.send({ type: "order.created", order })}>Order</button>;
 * }
 * ```
 */
export function useOutbox<T = JsonValue>(options: OutboxOptions): OutboxHandle<T> {
  const shared = canUseOutbox() ? sharedOutbox(options) : undefined;
  useEffect(() => shared?.acquire(), [shared]);
  return handleOf<T>(shared);
}

const OutboxContext = createContext<OutboxHandle<never> | undefined>(undefined);

/** Opens the outbox for `options` (as `useOutbox`) and hands it to the hooks below it that are given none. */
export function OutboxProvider({
  options,
  children,
}: {
  options: OutboxOptions;
  children?: ReactNode;
}): ReactNode {
  const outbox = useOutbox<never>(options);
  return createElement(OutboxContext.Provider, { value: outbox }, children);
}

/** The outbox a hook works on: the one given, else the nearest `OutboxProvider`'s. */
export function useOutboxHandle<T = JsonValue>(handle?: OutboxHandle<T>): OutboxHandle<T> {
  const provided = useContext(OutboxContext);
  const found = handle ?? (provided as OutboxHandle<T> | undefined);
  if (!found)
    throw new EdgeqError(
      "invalid_request",
      "no outbox: pass the handle useOutbox returned, or render inside <OutboxProvider>",
    );
  return found;
}

const noSubscription = () => () => undefined;
const serverState = () => UNAVAILABLE;

/**
 * The outbox's live state: pending, in flight, dead letters, the sync
 * state, paused for auth, persisted storage, online. One snapshot,
 * replaced on every change here or in another tab of the same outbox.
 * `unavailable` on the server and during hydration, so markup matches.
 */
export function useOutboxState<T>(handle?: OutboxHandle<T>): OutboxState {
  const { shared } = useOutboxHandle(handle);
  return useSyncExternalStore(
    shared?.subscribe ?? noSubscription,
    shared?.getSnapshot ?? serverState,
    serverState,
  );
}
