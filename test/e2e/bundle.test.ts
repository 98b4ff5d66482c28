// `tether start` runs the bundle (dist/bundle/, scripts/bundle.mjs), which differs from the tsc
// build the in-process tests use: the checkpoint worker is a file of its own beside the chunks,
// and zod has only its English locale. These check what the bundle does differently.
import { statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { callApi, type SpawnedDaemon, spawnDaemon, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const TOKEN = "bundle-checkpoint-token-0123456789abcdef0123456789";
let daemon: SpawnedDaemon | undefined;
let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir("tether-bundle-");
});
afterEach(async () => {
  await daemon?.kill("SIGTERM");
  daemon = undefined;
  dir.remove();
});

it("explains a validation error in English", async () => {
  daemon = await spawnDaemon(dir.path, { TETHER_AGENT_TOKEN: TOKEN });
  const res = await callApi(daemon.url, TOKEN, "POST", "/external/sessions", {
    agent_metadata: { name: 5 },
  });
  expect(res.status).toBe(400);
  expect(res.body.error.message).toBe(
    "body.agent_metadata.name: Invalid input: expected string, received number",
  );
});

it("checkpoints the WAL into the database file from a worker once it has grown", async () => {
  daemon = await spawnDaemon(dir.path, { TETHER_AGENT_TOKEN: TOKEN });
  const api = (path: string, body: unknown) => callApi(daemon!.url, TOKEN, "POST", path, body);
  const created = await api("/external/sessions", { agent_metadata: { name: "big" } });
  expect(created.status).toBe(200);
  const id = created.body.session_id as string;

  const dbFile = join(dir.path, "tether.db");
  const before = statSync(dbFile).size;
  // One output holds at most 256 KiB; eight of them grow the WAL as three 600 KB ones did.
  for (let i = 0; i < 8; i++) {
    const res = await api(`/external/sessions/${id}/output`, { text: "x".repeat(256 * 1024) });
    expect(res.status).toBe(200);
  }
  // Without the worker nothing copies pages into the database file until 1,000 pages (4 MB).
  await waitFor(() => statSync(dbFile).size > before + 1_500_000, {
    what: () =>
      `tether.db to grow past ${before + 1_500_000} bytes (it is ${statSync(dbFile).size})`,
  });
});
