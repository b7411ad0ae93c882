/** @edgeq/worker: the edge broker. */
export { QueueDO } from "./queue-do.js";
export { createSqliteStore, type SqliteStoreOptions } from "./store/sqlite-store.js";

export default {
  async fetch(): Promise<Response> {
    return Response.json(
      { error: { code: "not_found", message: "no such route" } },
      { status: 404 },
    );
  },
} satisfies ExportedHandler;
