import type { Message } from "@edgeq/core";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { useInbox } from "../src/index.js";
import { broker, brokerUrl, mount, network, TOKEN, textOf, uniqueName } from "./support.js";

function Feed({ databaseName, producerId }: { databaseName: string; producerId: string }) {
  const [bodies, setBodies] = useState<string[]>([]);
  // A new handler on every render: the inbox stays open and calls the latest.
  const { status } = useInbox(
    "inbox",
    (message: Message) => {
      if (message.producerId === producerId) setBodies((b) => [...b, String(message.body)]);
    },
    { url: brokerUrl(), token: TOKEN, databaseName, pollWaitMs: 100, onError: () => undefined },
  );
  return (
    <p data-status={status} data-bodies>
      {bodies.join(",")}
    </p>
  );
}

describe("useInbox", () => {
  it("hands the topic's messages to the component while it is mounted", async () => {
    await network.reset();
    const producerId = uniqueName("feed");
    const { container } = mount(
      <Feed databaseName={uniqueName("inbox")} producerId={producerId} />,
    );
    await expect
      .poll(() => container.querySelector("[data-status]")?.getAttribute("data-status"))
      .toBe("ready");
    await broker().send("inbox", {
      producerId,
      messages: [
        { seq: 1, body: "first" },
        { seq: 2, body: "second" },
      ],
    });
    await expect
      .poll(() => textOf(container, "[data-bodies]").split(",").sort())
      .toEqual(["first", "second"]);
  });
});
