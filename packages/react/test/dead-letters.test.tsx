import type { OutboxOptions } from "@edgeq/browser";
import { describe, expect, it } from "vitest";
import { type OutboxHandle, useDeadLetters, useOutbox, useOutboxState } from "../src/index.js";
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
