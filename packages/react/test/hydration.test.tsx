import type { OutboxOptions } from "@edgeq/browser";
import { hydrateRoot } from "react-dom/client";
import { renderToString } from "react-dom/server";
import { describe, expect, it, onTestFinished } from "vitest";
import { useMessageStatus, useOutbox, useOutboxState } from "../src/index.js";
import { freshOptions, textOf } from "./support.js";

function Page({ options }: { options: OutboxOptions }) {
  const outbox = useOutbox(options);
  const state = useOutboxState(outbox);
  const { progress } = useMessageStatus("nobody:1", outbox);
  return <p data-status={state.status}>{`${state.status} ${state.pending} ${progress}`}</p>;
}

describe("server render and hydration", () => {
  it("renders `unavailable` on the server and hydrates without a mismatch, then opens", async () => {
    const options = await freshOptions();
    const html = renderToString(<Page options={options} />);
    expect(html).toContain('data-status="unavailable"');

    const container = document.createElement("div");
    container.innerHTML = html;
    document.body.append(container);
    const errors: unknown[] = [];
    const root = hydrateRoot(container, <Page options={options} />, {
      onRecoverableError: (error) => errors.push(error),
    });
    onTestFinished(() => root.unmount());
    await expect.poll(() => container.querySelector("p")?.dataset.status).toBe("ready");
    expect(textOf(container, "p")).toBe("ready 0 unknown");
    expect(errors).toEqual([]);
  });
});
