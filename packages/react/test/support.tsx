import type { OutboxOptions } from "@edgeq/browser";
import { deleteDB } from "idb";
import type { ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { onTestFinished } from "vitest";
import { brokerUrl, TOKEN, uniqueName } from "../../browser/test/helpers.js";

export {
  broker,
  brokerUrl,
  network,
  TOKEN,
  uniqueName,
} from "../../browser/test/helpers.js";

/** Outbox options on a fresh database, with fast retries. */
export async function freshOptions(overrides: Partial<OutboxOptions> = {}): Promise<OutboxOptions> {
  const name = overrides.name ?? uniqueName("react");
  await deleteDB(`edgeq-outbox:${name}`);
  return {
    url: brokerUrl(),
    topic: "outbox",
    token: TOKEN,
    name,
    backoff: { baseMs: 20, maxMs: 200 },
    syncIntervalMs: 1_000,
    ...overrides,
  };
}

/** Renders `element` into a new container of the page, unmounted when the test ends. */
export function mount(element: ReactNode): { container: HTMLElement; unmount(): void } {
  const container = document.createElement("div");
  document.body.append(container);
  const root = createRoot(container);
  root.render(element);
  let mounted = true;
  const unmount = () => {
    if (!mounted) return;
    mounted = false;
    root.unmount();
    container.remove();
  };
  onTestFinished(unmount);
  return { container, unmount };
}

/** The text of the one element matching `selector` in `container` ("" when absent). */
export function textOf(container: HTMLElement, selector: string): string {
  return container.querySelector(selector)?.textContent ?? "";
}
