// The benchmark app on Miniflare's own local Cloudflare Queues.
import app from "./app.js";

export default app satisfies ExportedHandler<import("./app.js").BenchEnv, { n: number }>;
