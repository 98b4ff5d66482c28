// TETHER_ALLOWED_ROOTS bounds where Tether starts agents: a session's directory must be an
// existing folder inside one of the roots once symlinks are followed, and every refusal reads the
// same, so the API cannot be used to learn which paths exist.
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const REFUSAL =
  /^directory must be an existing folder, given as an absolute path, inside the allowed roots \(TETHER_ALLOWED_ROOTS/;

let root: ReturnType<typeof tempDir>;
let outside: ReturnType<typeof tempDir>;
let dataDir: ReturnType<typeof tempDir>;
let t: TestDaemon | undefined;

beforeEach(() => {
  root = tempDir("tether-root-");
  outside = tempDir("tether-outside-");
  dataDir = tempDir("tether-roots-data-");
  mkdirSync(join(root.path, "project"));
  writeFileSync(join(root.path, "file.txt"), "not a folder");
  symlinkSync(outside.path, join(root.path, "escape"));
  symlinkSync(join(root.path, "project"), join(root.path, "alias"));
});

afterEach(async () => {
  await t?.close();
  t = undefined;
  for (const dir of [root, outside, dataDir]) dir.remove();
});

async function daemon(roots: string): Promise<TestDaemon> {
  t = await startTestDaemon({ dataDir: dataDir.path, env: { TETHER_ALLOWED_ROOTS: roots } });
  return t;
}

function create(d: TestDaemon, directory?: string) {
  // claude is a kind Tether runs; without a prompt no agent starts yet.
  return d.api("POST", "/api/sessions", { kind: "claude", ...(directory ? { directory } : {}) });
}

describe("TETHER_ALLOWED_ROOTS", () => {
  it("accepts a folder inside a root, stored as its real path", async () => {
    const d = await daemon(root.path);
    const real = realpathSync(join(root.path, "project"));
    const direct = await create(d, join(root.path, "project"));
    expect(direct.status).toBe(201);
    expect(direct.body.directory).toBe(real);
    // A symlink that stays inside is fine, and resolved.
    expect((await create(d, join(root.path, "alias"))).body.directory).toBe(real);
    // The root itself, and no directory at all: the first root.
    expect((await create(d, root.path)).status).toBe(201);
    const none = await create(d);
    expect(none.status).toBe(201);
    expect(none.body.directory).toBe(realpathSync(root.path));
  });

  it("refuses /, climbing out, escaping symlinks, relative paths, files and missing folders alike", async () => {
    const d = await daemon(root.path);
    const asked = [
      "/",
      join(root.path, "..", "..", ".."),
      "../../..",
      join(root.path, "escape"),
      outside.path,
      "project",
      join(root.path, "file.txt"),
      join(root.path, "missing"),
      join(outside.path, "missing"),
    ];
    const bodies = [];
    for (const directory of asked) {
      const res = await create(d, directory);
      expect(res.status, directory).toBe(400);
      expect(res.body.error.code).toBe("bad_request");
      expect(res.body.error.message).toMatch(REFUSAL);
      bodies.push(res.text);
    }
    // One answer for "does not exist" and "not allowed": nothing to learn about the disk.
    expect(new Set(bodies).size).toBe(1);
    expect((await d.api("GET", "/api/sessions")).body.sessions).toEqual([]);
  });

  it("allows several roots, separated like PATH", async () => {
    const d = await daemon(`${root.path}:${outside.path}`);
    expect((await create(d, outside.path)).status).toBe(201);
    expect((await create(d, join(root.path, "project"))).status).toBe(201);
  });

  it("a session whose folder is no longer inside the roots does not start", async () => {
    let d = await daemon(`${root.path}:${outside.path}`);
    const created = await create(d, outside.path);
    expect(created.status).toBe(201);
    await d.close();
    t = undefined;

    d = await daemon(root.path);
    const id: string = created.body.id;
    expect((await d.api("POST", `/api/sessions/${id}/start`)).status).toBe(200);
    const failed = await waitFor(
      async () => {
        const s = (await d.api("GET", `/api/sessions/${id}`)).body;
        return s.state === "error" ? s : undefined;
      },
      { timeoutMs: 10_000, what: "the session to fail" },
    );
    expect(failed.error).toMatch(REFUSAL);
  });
});
