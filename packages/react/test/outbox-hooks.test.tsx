import type { Outbox, OutboxOptions } from "@edgeq/browser";
import { StrictMode, useEffect } from "react";
import { describe, expect, it } from "vitest";
import { commands } from "vitest/browser";
import {
  type MessageProgress,
  type OutboxHandle,
  useMessageStatus,
  useOutbox,
  useOutboxState,
} from "../src/index.js";
import { brokerUrl, freshOptions, mount, network, TOKEN, textOf } from "./support.js";

type Order = { order: number; item: string };

function Pending({
  options,
  label,
  seen,
}: {
  options: OutboxOptions;
  label: string;
  seen: OutboxHandle<Order>[];
}) {
  const outbox = useOutbox<Order>(options);
  seen.push(outbox);
  const state = useOutboxState(outbox);
  return (
    <p data-label={label} data-status={state.status}>
      {state.pending}
    </p>
  );
}

function Status({
  id,
  outbox,
  seen,
}: {
  id: string;
  outbox: OutboxHandle<Order>;
  seen: MessageProgress[];
}) {
  const { progress } = useMessageStatus(id, outbox);
  useEffect(() => {
    if (seen.at(-1) !== progress) seen.push(progress);
  }, [progress, seen]);
  return <span data-progress={progress}>{progress}</span>;
}

describe("useOutbox and useOutboxState", () => {
  it("gives components on one database one outbox, closed when the last of them unmounts", async () => {
    await network.reset();
    await network.setOffline(true);
    const options = await freshOptions();
    const handles: OutboxHandle<Order>[] = [];
    const first = mount(
      <StrictMode>
        <Pending options={options} label="a" seen={handles} />
        <Pending options={{ ...options }} label="b" seen={handles} />
      </StrictMode>,
    );
    await expect.poll(() => textOf(first.container, "[data-label=b]")).toBe("0");
    expect(new Set(handles).size).toBe(1);
    const outbox: Outbox = await handles[0]!.ready();
    // Typed end to end: `send` takes the app's Order, nothing else (checked by `npm run typecheck`).
    // @ts-expect-error an Order has no `total`
    const typed = () => handles[0]!.send({ total: 1 });
    expect(typed).toBeTypeOf("function");

    await handles[0]!.send({ order: 1, item: "tea" });
    await handles[0]!.send({ order: 2, item: "milk" });
    await expect.poll(() => textOf(first.container, "[data-label=a]")).toBe("2");
    expect(textOf(first.container, "[data-label=b]")).toBe("2");

    first.unmount();
    await expect
      .poll(() => outbox.state, { message: "the outbox to close with its last user" })
      .toBe("closed");

    // A later user opens it again, and finds what was kept on the device.
    const again: OutboxHandle<Order>[] = [];
    const second = mount(<Pending options={options} label="c" seen={again} />);
    await expect.poll(() => textOf(second.container, "[data-label=c]")).toBe("2");
    expect(await again[0]!.ready()).not.toBe(outbox);
    await network.setOffline(false);
    await expect.poll(() => textOf(second.container, "[data-label=c]")).toBe("0");
  });

  it("moves a message's status from saved to on the server when the broker is reachable again", async () => {
    await network.reset();
    await network.setOffline(true);
    const options = await freshOptions();
    const handles: OutboxHandle<Order>[] = [];
    const seen: MessageProgress[] = [];
    mount(<Pending options={options} label="keep-open" seen={handles} />);
    await expect.poll(() => handles.length, { message: "the first render" }).toBeGreaterThan(0);
    const { id } = await handles[0]!.send({ order: 3, item: "bread" });
    const view = mount(<Status id={id} outbox={handles[0]!} seen={seen} />);
    await expect.poll(() => textOf(view.container, "[data-progress]")).toMatch(/saved|sent/);
    await network.setOffline(false);
    await expect.poll(() => textOf(view.container, "[data-progress]")).toBe("server");
    // Each failed attempt is `sent` while on the wire, then `saved` again; `server` comes last, once.
    expect(seen[0]).toBe("loading");
    expect(seen.at(-1)).toBe("server");
    expect(seen.filter((p) => p === "server")).toHaveLength(1);
    expect(seen.every((p) => ["loading", "saved", "sent", "server"].includes(p))).toBe(true);
  });

  it("agrees with another tab on the same outbox", async () => {
    await network.reset();
    await network.setOffline(true);
    const options = await freshOptions();
    const query = new URLSearchParams({ url: brokerUrl(), token: TOKEN, name: options.name! });
    const tab = await commands.openPage(`/test/fixtures/tab.html?${query}`);
    const tabPending = async () =>
      (await commands.evalInPage(
        tab,
        "document.querySelector('[data-pending]')?.textContent",
      )) as string;
    try {
      await expect.poll(tabPending).toBe("0");
      const handles: OutboxHandle<Order>[] = [];
      const here = mount(<Pending options={options} label="here" seen={handles} />);
      await expect.poll(() => textOf(here.container, "[data-label=here]")).toBe("0");

      for (let order = 1; order <= 3; order++) await handles[0]!.send({ order, item: "jam" });
      // Sent in this tab while offline: the other tab sees them without any event of its own.
      await expect.poll(tabPending).toBe("3");
      expect(textOf(here.container, "[data-label=here]")).toBe("3");

      await network.setOffline(false);
      await expect.poll(tabPending).toBe("0");
      await expect.poll(() => textOf(here.container, "[data-label=here]")).toBe("0");
    } finally {
      await commands.closePage(tab);
    }
  });
});
