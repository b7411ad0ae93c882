import { deleteDB } from "idb";
import { describe, expect, it } from "vitest";
import { createOutbox, type Outbox } from "../src/index.js";
import { brokerUrl, messagesOf, TOKEN, uniqueName } from "./helpers.js";

// An interface, as apps write them: `send` takes any type whose values are all JSON.
interface Todo {
  id: string;
  title: string;
  done?: boolean;
}

interface Dated {
  id: string;
  at: Date;
}

/** An outbox living in the app's own database, beside its `todos` store. */
async function appOutbox(autoSync = false): Promise<Outbox> {
  const name = uniqueName("todo-app");
  await deleteDB(name);
  return createOutbox({
    url: brokerUrl(),
    topic: "outbox",
    token: TOKEN,
    autoSync,
    database: {
      name,
      upgrade(db) {
        db.createObjectStore("todos", { keyPath: "id" });
      },
    },
  });
}

describe("message bodies", () => {
  it("takes the app's interfaces, and refuses what is not JSON at compile time and at run time", async () => {
    const outbox = await appOutbox();
    const todo: Todo = { id: "t0", title: "typed" };
    expect((await outbox.send(todo)).seq).toBe(1);
    const dated: Dated = { id: "d", at: new Date(0) };
    // @ts-expect-error a Date is not a JSON value
    await expect(outbox.send(dated)).rejects.toMatchObject({ code: "invalid_request" });
    expect((await outbox.stats()).pending).toBe(1);
    await outbox.close();
  });
});

describe("transactional outbox", () => {
  it("commits the app's write and its message together", async () => {
    const outbox = await appOutbox();
    const todo: Todo = { id: "t1", title: "write tests" };
    const receipts = await outbox.commitWith(["todos"], (tx) => {
      void tx.objectStore("todos").put(todo);
      tx.send({ type: "todo.created", todo }, { key: todo.id });
    });
    expect(receipts).toHaveLength(1);
    expect(await outbox.db.get("todos", "t1")).toEqual(todo);
    expect((await outbox.stats()).pending).toBe(1);
    await outbox.flush();
    expect((await messagesOf("outbox", outbox.producerId)).map((m) => m.body)).toEqual([
      { type: "todo.created", todo },
    ]);
    await outbox.close();
  });

  it("leaves no message behind when the app's callback throws", async () => {
    const outbox = await appOutbox();
    await expect(
      outbox.commitWith(["todos"], (tx) => {
        // Its own request rejects with AbortError too once the transaction aborts.
        tx.objectStore("todos")
          .put({ id: "t2", title: "never" })
          .catch(() => undefined);
        tx.send({ type: "todo.created" });
        throw new Error("validation failed");
      }),
    ).rejects.toThrow("validation failed");
    expect(await outbox.db.get("todos", "t2")).toBeUndefined();
    expect(await outbox.stats()).toMatchObject({ pending: 0 });
    // The seq was not consumed: the next message takes it.
    expect((await outbox.send("next")).seq).toBe(1);
    await outbox.close();
  });

  it("leaves no message behind when an app request fails (constraint error)", async () => {
    const outbox = await appOutbox();
    await outbox.commitWith(["todos"], (tx) => {
      void tx.objectStore("todos").add({ id: "t3", title: "first" });
    });
    await expect(
      outbox.commitWith(["todos"], async (tx) => {
        tx.send({ type: "todo.created", id: "t3" });
        await tx.objectStore("todos").add({ id: "t3", title: "duplicate key" });
      }),
    ).rejects.toMatchObject({ name: "ConstraintError" });
    expect(await outbox.db.get("todos", "t3")).toEqual({ id: "t3", title: "first" });
    expect((await outbox.stats()).pending).toBe(0);
    await outbox.close();
  });

  it("refuses stores outside the transaction", async () => {
    const outbox = await appOutbox();
    await expect(
      outbox.commitWith([], (tx) => {
        tx.objectStore("todos");
      }),
    ).rejects.toMatchObject({ code: "invalid_request" });
    await outbox.close();
  });

  it("keeps seqs dense when transactions and plain sends interleave", async () => {
    const outbox = await appOutbox();
    const results = await Promise.all([
      outbox.send("a"),
      outbox.commitWith(["todos"], (tx) => {
        void tx.objectStore("todos").put({ id: "t4", title: "x" });
        tx.send("b");
        tx.send("c");
      }),
      outbox.send("d"),
    ]);
    const seqs = results.flat().map((r) => r.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
    await outbox.close();
  });
});
