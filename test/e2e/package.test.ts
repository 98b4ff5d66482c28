// The package as npm publishes it: `npm pack` of this clone, installed into an empty directory
// as a user would (without the optional agent SDKs, the lean install), then run from there:
// nothing of the source tree, its node_modules or its build is reachable from the install.
//
// Two shortcuts, both about npm rather than Tether: the install uses the npm cache that `npm ci`
// filled (--prefer-offline: only metadata not cached yet comes from the registry), and it skips
// install scripts, because better-sqlite3's would download a prebuilt addon from GitHub or compile
// one for a minute; the test copies in the addon this clone's `npm ci` built for the same version.
// Skipping scripts also shows that installing the tarball needs none of Tether's own (`prepare`
// builds a clone; a packed tarball is built already).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callApi, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

const run = promisify(execFile);
const REPO = fileURLToPath(new URL("../..", import.meta.url));
const TOKEN = "package-test-token-0123456789abcdef0123456789";
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  name: string;
  version: string;
};

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let dir: ReturnType<typeof tempDir>;
let packed: PackResult;
/** The installed package's executables (npm's bin links). */
let bin: string;
/** A PATH with node and nothing else: no `claude`, no `codex`. */
let PATH: string;
let installLog = "";

beforeAll(async () => {
  dir = tempDir("tether-package-");
  // --ignore-scripts: `prepare` would rebuild dist/ under the tests that are reading it.
  const { stdout } = await run(
    "npm",
    ["pack", "--json", "--ignore-scripts", "--pack-destination", dir.path],
    { cwd: REPO, maxBuffer: 16 * 1024 * 1024 },
  );
  packed = (JSON.parse(stdout) as PackResult[])[0]!;
  const prefix = join(dir.path, "app");
  mkdirSync(prefix);
  const install = await run(
    "npm",
    [
      "install",
      join(dir.path, packed.filename),
      "--prefix",
      prefix,
      "--omit=optional",
      "--ignore-scripts",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      // Warnings too: an engine mismatch in the installed tree is one (npm warn EBADENGINE).
      "--loglevel=warn",
    ],
    // Not this clone's .npmrc or package.json: the install runs from its own empty directory.
    { cwd: prefix, maxBuffer: 16 * 1024 * 1024 },
  );
  installLog = install.stderr;
  const installed = join(prefix, "node_modules");
  copyAddon(installed);
  bin = join(installed, ".bin");
  const nodeBin = join(dir.path, "node-only");
  mkdirSync(nodeBin);
  symlinkSync(process.execPath, join(nodeBin, "node"));
  PATH = nodeBin;
}, 120_000);

afterAll(() => dir?.remove());

/** better-sqlite3's native addon, from this clone's install of the same version. */
function copyAddon(installed: string): void {
  const version = (root: string) =>
    JSON.parse(readFileSync(join(root, "better-sqlite3", "package.json"), "utf8")).version;
  const ours = join(REPO, "node_modules");
  expect(version(installed), "the package's better-sqlite3 is the clone's").toBe(version(ours));
  const release = join("better-sqlite3", "build", "Release");
  mkdirSync(join(installed, release), { recursive: true });
  copyFileSync(
    join(ours, release, "better_sqlite3.node"),
    join(installed, release, "better_sqlite3.node"),
  );
}

/** A clean environment for the installed commands: temp home and config, PATH with node only. */
function env(extra: Record<string, string> = {}): Record<string, string> {
  const home = join(dir.path, "home");
  mkdirSync(home, { recursive: true });
  return {
    PATH,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    TETHER_AGENT_HOST: "127.0.0.1",
    TETHER_AGENT_PORT: "0",
    TETHER_AGENT_LOG_LEVEL: "warn",
    TETHER_ALLOWED_ROOTS: dir.path,
    ...extra,
  };
}

describe("the published package", () => {
  it("holds the bundle, the built web app, README, LICENSE and package.json, nothing else", () => {
    const files = packed.files.map((f) => f.path).sort();
    const allowed = [
      /^package\.json$/,
      /^README\.md$/,
      /^LICENSE$/,
      /^dist\/bundle\/(tether|tether-mcp|checkpoint-worker|chunk-[A-Z0-9]+)\.js$/,
      /^dist\/web\/(index\.html|sw\.js|manifest\.webmanifest|icon-\d+\.png|icon\.svg)$/,
      /^dist\/web\/assets\/index-[\w-]+\.(js|css)$/,
    ];
    expect(files.filter((f) => !allowed.some((re) => re.test(f)))).toEqual([]);
    for (const needed of [
      "package.json",
      "README.md",
      "LICENSE",
      "dist/bundle/tether.js",
      "dist/bundle/tether-mcp.js",
      "dist/bundle/checkpoint-worker.js",
      "dist/web/index.html",
    ]) {
      expect(files).toContain(needed);
    }
    expect(packed.filename).toBe(`${pkg.name}-${pkg.version}.tgz`);
  });

  it("installs on this Node without an engine warning from any dependency", () => {
    // The README's install line: every package in the installed tree accepts this Node.
    expect(installLog).not.toMatch(/EBADENGINE/);
  });

  it("`tether --version` prints the version", async () => {
    const { stdout } = await run(join(bin, "tether"), ["--version"], { env: env() });
    expect(stdout.trim()).toBe(pkg.version);
  });

  it("`tether-mcp --help` prints its usage and exits 0; `--version` the version", async () => {
    const help = await run(join(bin, "tether-mcp"), ["--help"], { env: env() });
    expect(help.stdout).toMatch(/^Usage: tether-mcp/);
    expect(help.stdout).toContain("TETHER_API_URL");
    expect(help.stdout).toContain("TETHER_AGENT_TOKEN");
    expect(help.stdout).toContain('"command":"tether-mcp"');
    const version = await run(join(bin, "tether-mcp"), ["--version"], { env: env() });
    expect(version.stdout.trim()).toBe(pkg.version);
    const bad = await run(join(bin, "tether-mcp"), ["serve"], { env: env() }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(bad).toMatchObject({ code: 2 });
    expect((bad as { stderr: string }).stderr.trim().split("\n")).toHaveLength(1);
  });

  describe("`tether start` from the install", () => {
    let daemon: ChildProcess | undefined;
    let url: string;
    let stderr = "";

    beforeAll(async () => {
      const data = join(dir.path, "data");
      // An API key, so a Claude session gets past choosing its login to loading the SDK.
      daemon = spawn(join(bin, "tether"), ["start"], {
        env: env({
          TETHER_AGENT_DATA_DIR: data,
          TETHER_AGENT_TOKEN: TOKEN,
          ANTHROPIC_API_KEY: "sk-not-used",
        }),
        stdio: ["ignore", "ignore", "pipe"],
      });
      daemon.stderr!.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      url = await waitFor(() => /Tether (http:\/\/\S+)/.exec(stderr)?.[1], {
        timeoutMs: 15_000,
        what: () => `the daemon to start; stderr so far:\n${stderr}`,
      });
    });

    afterAll(async () => {
      if (!daemon || daemon.exitCode !== null) return;
      const exited = new Promise((resolve) => daemon!.once("exit", resolve));
      daemon.kill("SIGTERM");
      await exited;
    });

    it("is healthy: liveness without the token, details with it", async () => {
      const live = await callApi(url, undefined, "GET", "/api/live");
      expect(live.status).toBe(200);
      expect(live.body).toEqual({ status: "ok" });
      expect((await callApi(url, undefined, "GET", "/api/health")).status).toBe(401);
      const health = await callApi(url, TOKEN, "GET", "/api/health");
      expect(health.body).toMatchObject({ status: "ok", version: pkg.version, auth: true });
    });

    it("serves the web app and the API docs from the package", async () => {
      const page = await fetch(`${url}/`);
      expect(page.status, `${await page.clone().text()}\n${stderr}`).toBe(200);
      expect(await page.text()).toContain("<html");
      const docs = await fetch(`${url}/api/docs/`, {
        headers: { authorization: `Bearer ${TOKEN}`, accept: "text/html" },
      });
      expect(docs.status).toBe(200);
      expect(await docs.text()).toMatch(/swagger/i);
    });

    const failures: [kind: string, message: RegExp][] = [
      [
        "claude",
        /^Claude sessions need the Claude Agent SDK, .*`npm install -g @anthropic-ai\/claude-agent-sdk`/,
      ],
      ["codex", /^Codex is not installed: run `npm install -g @openai\/codex`/],
    ];
    for (const [kind, message] of failures) {
      it(`a ${kind} session without its agent installed fails with one line saying what to install`, async () => {
        const workspace = join(dir.path, `work-${kind}`);
        mkdirSync(workspace);
        const created = await callApi(url, TOKEN, "POST", "/api/sessions", {
          kind,
          directory: workspace,
          prompt: "hello",
        });
        expect(created.status, created.text).toBe(201);
        const id = created.body.id as string;
        const failed = await waitFor(
          async () => {
            const s = (await callApi(url, TOKEN, "GET", `/api/sessions/${id}`)).body;
            return s.state === "error" ? s : undefined;
          },
          { what: `session ${id} to fail; stderr:\n${stderr}` },
        );
        expect(failed.error).toMatch(message);
        expect(failed.error).not.toContain("\n");
        const events = (await callApi(url, TOKEN, "GET", `/api/sessions/${id}/events`)).body
          .events as { type: string; data: { kind?: string; text?: string } }[];
        const errors = events.filter((e) => e.type === "output" && e.data.kind === "error");
        expect(errors.map((e) => e.data.text)).toEqual([failed.error]);
        // The daemon carries on.
        expect((await callApi(url, undefined, "GET", "/api/live")).status).toBe(200);
        expect(daemon!.exitCode).toBeNull();
      });
    }
  });
});
