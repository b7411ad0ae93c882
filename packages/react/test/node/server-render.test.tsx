import { renderToString } from "react-dom/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  OutboxProvider,
  useDeadLetters,
  useMessageStatus,
  useOutbox,
  useOutboxState,
} from "../../src/index.js";

/** Browser APIs an outbox would use: on the server, touching any of them fails the test. */
const TRAPPED = [
  "window",
  "indexedDB",
  "navigator",
  "document",
  "BroadcastChannel",
  "localStorage",
];
const touched: string[] = [];
const saved = new Map<string, PropertyDescriptor | undefined>();

beforeAll(() => {
  for (const name of TRAPPED) {
    saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.push(name);
        return undefined;
      },
    });
  }
});
afterAll(() => {
  for (const [name, descriptor] of saved)
    if (descriptor) Object.defineProperty(globalThis, name, descriptor);
    else delete (globalThis as Record<string, unknown>)[name];
});

const OPTIONS = { url: "https://queue.example.com", topic: "orders", token: "t" };
let sendError: unknown;

function Orders() {
  const outbox = useOutbox<{ order: number }>(OPTIONS);
  const state = useOutboxState();
  const { progress } = useMessageStatus("p:1");
  const { deadLetters, loading } = useDeadLetters();
  sendError = outbox.send({ order: 1 }).catch((e: unknown) => e);
  return <p>{`${state.status} ${state.pending} ${progress} ${deadLetters.length} ${loading}`}</p>;
}

describe("on the server", () => {
  it("renders the unavailable state and touches no browser API", async () => {
    const html = renderToString(
      <OutboxProvider options={OPTIONS}>
        <Orders />
      </OutboxProvider>,
    );
    expect(html).toBe("<p>unavailable 0 unavailable 0 true</p>");
    // `typeof window` is how the hooks look: that reads the global, once per hook.
    expect(touched.filter((name) => name !== "window")).toEqual([]);
    expect(await sendError).toMatchObject({ code: "unavailable" });
  });
});
