import { describe, expect, it } from "vitest";
import { fromIdbError } from "../src/store/idb-errors.js";

describe("IndexedDB errors", () => {
  it("turns a full disk into quota_exceeded, keeping the cause", () => {
    const cause = new DOMException("disk full", "QuotaExceededError");
    const error = fromIdbError(cause, "append");
    expect(error).toMatchObject({ code: "quota_exceeded", cause });
    expect(error.status).toBe(507);
  });

  it("turns a closed connection into closed and anything else into unavailable", () => {
    expect(fromIdbError(new DOMException("x", "InvalidStateError"), "read").code).toBe("closed");
    expect(fromIdbError(new DOMException("x", "UnknownError"), "read").code).toBe("unavailable");
  });
});
