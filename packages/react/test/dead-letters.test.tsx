import type { OutboxOptions } from "@edgeq/browser";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import {
  type OutboxHandle,
  useDeadLetters,
  useMessageStatus,
  useOutbox,
  useOutboxState,
} from "../src/index.js";
import { freshOptions, mount, network, textOf } from "./support.js";

function Refused({ options, seen }: { options: OutboxOptions; seen: OutboxHandle<string>[] }) {
  const outbox = useOutbox<string>(options);
  seen.push(outbox);
  const { deadLetters: count } = useOutboxState(outbox);
  const { deadLetters, retry, discard } = useDeadLetters(outbox);
  return (
    <section>
      <p data-count>{count}</p>
      <ul>
        {deadLetters.map((d) => (
          <li key={d.id} data-id={d.id} data-reason={d.reason.code}>
            <button type="button" data-retry onClick={() => void retry(d.id)}>
              Retry
            </button>
            <button type="button" data-discard onClick={() => void discard(d.id)}>
              Discard
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

describe("useDeadLetters", () => {
  it("lists what the broker refused, retries it as a new message and discards it", async () => {
    await network.reset();
    // The broker's `tiny` topic takes 2 KiB a message; the outbox's own check allows more.
    const options = await freshOptions({ topic: "tiny" });
    const handles: OutboxHandle<string>[] = [];
    const { container } = mount(<Refused options={options} seen={handles} />);
    const { id } = await (async () => {
      await expect.poll(() => handles.length).toBeGreaterThan(0);
      return handles[0]!.send("x".repeat(3_000));
    })();

    await expect.poll(() => container.querySelector("li")?.dataset.id).toBe(id);
    expect(container.querySelector("li")?.dataset.reason).toBe("too_large");
    expect(textOf(container, "[data-count]")).toBe("1");

    // Retried: a new message (refused again, as it is still too large), the old one gone.
    // A DOM click: the Firefox and WebKit drivers here have no userEvent.
    container.querySelector<HTMLElement>("[data-retry]")!.click();
    await expect.poll(() => container.querySelector("li")?.dataset.id).not.toBe(id);
    await expect.poll(() => container.querySelectorAll("li").length).toBe(1);

    container.querySelector<HTMLElement>("[data-discard]")!.click();
    await expect.poll(() => container.querySelectorAll("li").length).toBe(0);
  });
});

function Expiring({ options, seen }: { options: OutboxOptions; seen: OutboxHandle<string>[] }) {
  const outbox = useOutbox<string>(options);
  seen.push(outbox);
  const [id, setId] = useState<string>();
  const { progress, reason } = useMessageStatus(id, outbox);
  return (
    <>
      <button type="button" onClick={() => void outbox.send("soon stale").then((m) => setId(m.id))}>
        Send
      </button>
      <output data-progress={progress}>{reason?.code ?? ""}</output>
    </>
  );
}

describe("an outbox message that expires", () => {
  it("shows as refused with reason `expired`, never sent", async () => {
    await network.reset();
    // The broker cannot be reached while the retention runs out.
    await network.setOffline(true);
    const options = await freshOptions({ maxRetentionMs: 200 });
    const handles: OutboxHandle<string>[] = [];
    const { container } = mount(<Expiring options={options} seen={handles} />);
    await expect.poll(() => handles.length).toBeGreaterThan(0);
    container.querySelector("button")!.click();
    await expect
      .poll(() => container.querySelector("output")?.getAttribute("data-progress"))
      .toBe("refused");
    expect(textOf(container, "output")).toBe("expired");
    await network.setOffline(false);
    const outbox = await handles[0]!.ready();
    expect(await outbox.stats()).toMatchObject({ pending: 0, deadLetters: 1, acknowledged: 0 });
    // Nothing of this outbox ever got through to the broker.
    const forwarded = (await network.produced()).filter(
      (b) => b.producerId === outbox.producerId && b.outcome === "forwarded",
    );
    expect(forwarded).toEqual([]);
  });
});
