// `tether start` runs the bundle (dist/bundle/), where the checkpoint worker is a file of its own
// beside the chunks. Once writes have grown the WAL, that worker copies them into the database
// file: proof that the bundle finds and starts it.
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { callApi, type SpawnedDaemon, spawnDaemon, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "bundle-checkpoint-token";
let daemon: SpawnedDaemon | undefined;
const dir = tempDir("tether-bundle-");
afterEach(async () => {
  await daemon?.kill("SIGTERM");
  dir.remove();
});

it("checkpoints the WAL into the database file from a worker once it has grown", async () => {
  daemon = await spawnDaemon(dir.path, { TETHER_AGENT_TOKEN: TOKEN });
  const api = (path: string, body: unknown) => callApi(daemon!.url, TOKEN, "POST", path, body);
  const created = await api("/external/sessions", { agent_metadata: { name: "big" } });
  expect(created.status).toBe(200);
  const id = created.body.session_id as string;

  const dbFile = join(dir.path, "tether.db");
  const before = statSync(dbFile).size;
  for (let i = 0; i < 3; i++) {
    const res = await api(`/external/sessions/${id}/output`, { text: "x".repeat(600_000) });
    expect(res.status).toBe(200);
  }
  // Without the worker nothing copies pages into the database file until 1,000 pages (4 MB).
  await waitFor(() => statSync(dbFile).size > before + 1_500_000, {
    what: () =>
      `tether.db to grow past ${before + 1_500_000} bytes (it is ${statSync(dbFile).size})`,
  });
});
