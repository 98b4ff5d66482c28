// The README's "Connect an agent in one minute" block, run with bash exactly as printed, from
// this clone (it starts the daemon with `npm start`, as a reader would after `npm ci`). The only
// things the test chooses are the environment the block already reads: a free port
// (TETHER_AGENT_PORT), a temp home (so the token file it reads is the one this daemon made), and
// a temp data dir. Each step is checked from the block's own output, and the approval is answered
// over the API while the block's long poll waits, as a human would from the phone.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";
import { callApi, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SECTION = "## Connect an agent in one minute";

/** The first ```sh block of the README section `heading`. */
function snippet(heading: string): string {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, `README has a section "${heading}"`).toBeGreaterThan(-1);
  const section = readme.slice(start + heading.length + 2).split(/\n## /)[0]!;
  const block = /```sh\n([\s\S]*?)\n```/.exec(section)?.[1];
  expect(block, `the section "${heading}" has a sh block`).toBeDefined();
  return `${block}\n`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let dir: ReturnType<typeof tempDir>;
let shell: ChildProcess | undefined;
beforeEach(() => {
  dir = tempDir("tether-readme-");
});
afterEach(async () => {
  // The block leaves the daemon running in the background, as it would in a terminal: stop the
  // whole process group (bash, npm, the daemon) and wait for bash.
  if (shell?.pid !== undefined) {
    const exited =
      shell.exitCode === null && shell.signalCode === null
        ? new Promise((resolve) => shell!.once("exit", resolve))
        : undefined;
    try {
      process.kill(-shell.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
    await exited;
  }
  shell = undefined;
  // The daemon's own exit follows the signal; its pid file says when it let go of the data dir.
  await waitFor(
    () => {
      try {
        readFileSync(join(dir.path, "data", "tether.pid"));
        return false;
      } catch {
        return true;
      }
    },
    { what: "the daemon to exit and remove its pid file" },
  );
  dir.remove();
});

it("the README's one-minute block works when pasted into a shell", async () => {
  const port = await freePort();
  const home = join(dir.path, "home");
  mkdirSync(home);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Nothing of this machine's Tether settings, nor npm's per-script variables (vitest may run
    // under `npm test`), reaches the block.
    if (value === undefined || key.startsWith("TETHER_") || key.startsWith("npm_")) continue;
    env[key] = value;
  }
  Object.assign(env, {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    TETHER_AGENT_PORT: String(port),
    TETHER_AGENT_DATA_DIR: join(dir.path, "data"),
  });

  let out = "";
  let err = "";
  shell = spawn("bash", ["-c", snippet(SECTION)], {
    cwd: REPO,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  shell.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  shell.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => shell!.once("exit", resolve));
  const seen = () => `stdout:\n${out}\nstderr:\n${err}`;

  // The daemon generated its token into the temp home, where the block read it from.
  const token = await waitFor(
    () => {
      try {
        return readFileSync(join(home, ".config", "tether", "token"), "utf8").trim();
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 20_000, what: () => `the token file; ${seen()}` },
  );
  const url = `http://127.0.0.1:${port}`;

  const sessionId = await waitFor(() => /^session: (\S+)$/m.exec(out)?.[1], {
    timeoutMs: 20_000,
    what: () => `the session id; ${seen()}`,
  });
  expect(sessionId, seen()).toMatch(/^sess_\w+$/);
  // The session the block opened is the daemon's, named as the block named it.
  const session = await callApi(url, token, "GET", `/api/sessions/${sessionId}`);
  expect(session.body).toMatchObject({ id: sessionId, name: "refactor auth" });
  const approval = await waitFor(() => /"request_id":"(apr_[^"]+)"/.exec(out)?.[1], {
    what: () => `the approval's id; ${seen()}`,
  });
  const lines = out.split("\n").filter((l) => l.startsWith("{"));
  expect(JSON.parse(lines[0]!)).toMatchObject({ seq: expect.any(Number) });
  expect(JSON.parse(lines[1]!)).toMatchObject({ request_id: approval });

  // The approval is there for the human, with the block's options.
  const pending = await callApi(url, token, "GET", `/api/approvals/${approval}`);
  expect(pending.body).toMatchObject({ title: "Run the migration?", status: "pending" });
  expect(pending.body.options).toEqual(["Approve", "Reject"]);

  const resolved = await callApi(url, token, "POST", `/api/approvals/${approval}/resolve`, {
    option: "Approve",
  });
  expect(resolved.status, resolved.text).toBe(200);

  // The block's last step, the long poll, returns the answer, and the block ends.
  expect(await exited, seen()).toBe(0);
  const last = JSON.parse(out.trim().split("\n").at(-1)!);
  expect(last).toMatchObject({
    type: "approval_response",
    data: { request_id: approval, option: "Approve" },
  });
});
