// Tether serving HTTPS itself (TETHER_TLS_CERT / TETHER_TLS_KEY), with certificates the test makes
// with openssl: the daemon speaks TLS with that certificate, the pairing cookie is Secure, the
// CLI, tether-mcp and the daemon's own /mcp tools trust exactly that certificate (also when it
// is for another name than the one they dial, as a `tailscale cert` is), and no other; a bad
// pair of files stops `tether start` with one line naming the setting; `tether doctor` reports
// the certificate; `tether pair` and `tether start` put TETHER_PUBLIC_URL in the pairing link.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { connect } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { oneLineError, runCli, userEnv } from "../helpers/cli.js";
import { CLI, startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";
import { makeCert, type TestCert } from "../helpers/tls.js";
import { waitFor } from "../helpers/wait.js";
import { connectStdio } from "../mcp/mcp-client.js";

const TOKEN = "https-test-token-0c1d-0123456789abcdef0123456789ab";

const daemons: TestDaemon[] = [];
const dirs: { remove(): void }[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.close();
  for (const d of dirs.splice(0)) d.remove();
});

function dir(): string {
  const d = tempDir("tether-https-");
  dirs.push(d);
  return d.path;
}

function tlsEnv(cert: TestCert): Record<string, string> {
  return { TETHER_TLS_CERT: cert.certFile, TETHER_TLS_KEY: cert.keyFile };
}

async function tlsDaemon(cert: TestCert, env: Record<string, string> = {}): Promise<TestDaemon> {
  const t = await startTestDaemon({ token: TOKEN, env: { ...tlsEnv(cert), ...env } });
  daemons.push(t);
  return t;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over TLS trusting `ca` only: proof the daemon serves that certificate. */
function httpsCall(
  url: string,
  ca: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? "GET",
        ca,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(init.body === undefined ? {} : { "content-type": "application/json" }),
          ...init.headers,
        },
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(init.body === undefined ? undefined : JSON.stringify(init.body));
  });
}

/** The CLI as a user with only these settings runs it. */
function cli(args: string[], env: Record<string, string>) {
  const home = dir();
  return runCli(args, { cwd: home, env: userEnv(home, { TETHER_AGENT_TOKEN: TOKEN, ...env }) });
}

describe("Tether serving HTTPS", () => {
  it("speaks TLS with the configured certificate, and sets a Secure pairing cookie", async () => {
    const cert = makeCert(dir(), ["localhost", "127.0.0.1"]);
    const t = await tlsDaemon(cert);
    expect(t.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(t.daemon.tlsCert).toBe(cert.cert);

    const live = await httpsCall(`${t.url}/api/live`, cert.cert);
    expect(live).toMatchObject({ status: 200, body: '{"status":"ok"}' });

    const paired = await httpsCall(`${t.url}/api/pair`, cert.cert, {
      method: "POST",
      body: { token: TOKEN, device: "phone" },
    });
    expect(paired.status, paired.body).toBe(200);
    const cookie = String(paired.headers["set-cookie"]);
    expect(cookie).toMatch(/^tether_\d+=phone\./);
    expect(cookie.split("; ")).toEqual(
      expect.arrayContaining(["HttpOnly", "SameSite=Strict", "Secure"]),
    );

    // The same port does not answer plain HTTP.
    await expect(fetch(`${t.url.replace("https:", "http:")}/api/live`)).rejects.toThrow();
  });

  it("cuts off a client that never finishes the TLS handshake, as one that never sends headers", async () => {
    const cert = makeCert(dir(), ["localhost"]);
    const t = await tlsDaemon(cert, { TETHER_HEADERS_TIMEOUT_MS: "300" });
    const socket = connect(Number(new URL(t.url).port), "127.0.0.1");
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      socket.once("close", () => resolve());
      socket.once("error", () => {}); // a reset is a close too
      setTimeout(() => reject(new Error("the silent client was not cut off")), 5_000).unref();
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("the CLI trusts exactly the configured certificate, also when it is for another name", async () => {
    // Like a `tailscale cert`: for the machine's tailnet name, while the CLI dials localhost.
    const cert = makeCert(dir(), ["my-laptop.tailnet-1234.ts.net"]);
    const t = await tlsDaemon(cert);
    const port = new URL(t.url).port;
    const settings = { ...tlsEnv(cert), TETHER_AGENT_PORT: port };

    const status = await cli(["status"], settings);
    expect(status, status.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(status.stdout).toMatch(new RegExp(`^Tether \\S+ at https://localhost:${port}: up `));

    const created = await cli(["new", "--kind", "external", "--name", "over tls"], settings);
    expect(created, created.stderr).toMatchObject({ code: 0 });
    expect((await cli(["list"], settings)).stdout).toContain("over tls");

    // `tether watch` follows the session over a WebSocket (wss), trusting the same certificate.
    const [session] = t.daemon.engine.listSessions({});
    const home = dir();
    const watch = spawn(process.execPath, [CLI, "watch", session!.id], {
      cwd: home,
      env: userEnv(home, { TETHER_AGENT_TOKEN: TOKEN, ...settings }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let watched = "";
    watch.stdout!.on("data", (d: Buffer) => {
      watched += d.toString();
    });
    try {
      await waitFor(() => /#1 ── new → created/.test(watched), {
        what: () => `the watch to replay the session; stdout so far:\n${watched}`,
      });
    } finally {
      const exited = new Promise((resolve) => watch.once("exit", resolve));
      watch.kill("SIGTERM");
      await exited;
    }

    // Another certificate in TETHER_TLS_CERT is not trusted: no blanket "accept anything".
    const other = makeCert(dir(), ["my-laptop.tailnet-1234.ts.net"], { file: "other" });
    const refused = await cli(["status"], { ...settings, TETHER_TLS_CERT: other.certFile });
    expect(oneLineError(refused, 1)).toMatch(
      new RegExp(
        `^tether: cannot reach Tether at https://localhost:${port} \\(\\w+\\): its certificate is not trusted here; set TETHER_TLS_CERT`,
      ),
    );
    // Nor is it trusted with no certificate configured, naming the URL by hand.
    const bare = await cli(["--url", `https://localhost:${port}`, "status"], {});
    expect(oneLineError(bare, 1)).toMatch(/its certificate is not trusted here/);
  });

  it("tether-mcp and the daemon's /mcp tools reach it over HTTPS", async () => {
    const cert = makeCert(dir(), ["localhost"]);
    const t = await tlsDaemon(cert);
    await t.daemon.engine.createSession({ kind: "external", name: "seen over tls" });

    const home = dir();
    const mcp = await connectStdio({
      HOME: home,
      TETHER_CONFIG: join(home, "no-config.json"),
      TETHER_AGENT_TOKEN: TOKEN,
      TETHER_AGENT_PORT: new URL(t.url).port,
      ...tlsEnv(cert),
    });
    try {
      const listed = await mcp.call("list_sessions");
      expect(listed.isError, listed.text).toBe(false);
      expect(listed.text).toContain("seen over tls");
      expect(mcp.stderr()).toContain(`serving Tether at https://localhost:`);
    } finally {
      await mcp.close();
    }

    // /mcp's tools call the daemon's own API back: over HTTPS, trusting its certificate.
    const local = t.url.replace("127.0.0.1", "localhost"); // the name the certificate is for
    const answer = await httpsCall(`${local}/mcp`, cert.cert, {
      method: "POST",
      headers: { accept: "application/json, text/event-stream" },
      body: {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "list_sessions", arguments: {} },
      },
    });
    expect(answer.status, answer.body).toBe(200);
    const reply = JSON.parse(answer.body);
    expect(reply.result.isError ?? false, answer.body).toBe(false);
    expect(reply.result.content[0].text).toContain("seen over tls");
  });
});

describe("bad certificate settings stop `tether start` with one line naming the setting", () => {
  async function startWith(env: Record<string, string>) {
    const data = dir();
    return runCli(["start"], {
      cwd: data,
      env: userEnv(data, {
        TETHER_AGENT_HOST: "127.0.0.1",
        TETHER_AGENT_PORT: "0",
        TETHER_AGENT_DATA_DIR: join(data, "data"),
        TETHER_AGENT_TOKEN: TOKEN,
        ...env,
      }),
    });
  }

  it("a key that is not the certificate's", async () => {
    const certs = dir();
    const a = makeCert(certs, ["localhost"], { file: "a" });
    const b = makeCert(certs, ["localhost"], { file: "b" });
    const line = oneLineError(
      await startWith({ TETHER_TLS_CERT: a.certFile, TETHER_TLS_KEY: b.keyFile }),
      2,
    );
    expect(line).toBe(
      `tether: TETHER_TLS_KEY: ${b.keyFile} is not the private key of the certificate in ${a.certFile} (TETHER_TLS_CERT): give the key that was made with it`,
    );
    // Nothing of the key's contents is shown.
    const keyLine = readFileSync(b.keyFile, "utf8").split("\n")[1]!;
    expect(line).not.toContain(keyLine.slice(0, 16));
  });

  it("a missing file, a file that is not PEM, swapped files, one without the other", async () => {
    const certs = dir();
    const c = makeCert(certs, ["localhost"]);
    const notPem = join(certs, "notes.txt");
    writeFileSync(notPem, "hello\n");
    const missing = join(certs, "nope.crt");
    const cases: [Record<string, string>, string][] = [
      [
        { TETHER_TLS_CERT: missing, TETHER_TLS_KEY: c.keyFile },
        `tether: TETHER_TLS_CERT: no such file: ${missing}`,
      ],
      [
        { TETHER_TLS_CERT: notPem, TETHER_TLS_KEY: c.keyFile },
        `tether: TETHER_TLS_CERT: ${notPem} is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" block)`,
      ],
      [
        { TETHER_TLS_CERT: c.certFile, TETHER_TLS_KEY: notPem },
        `tether: TETHER_TLS_KEY: ${notPem} is not a PEM private key (no "-----BEGIN PRIVATE KEY-----" block)`,
      ],
      [
        { TETHER_TLS_CERT: c.keyFile, TETHER_TLS_KEY: c.certFile },
        `tether: TETHER_TLS_CERT: ${c.keyFile} holds a private key, not a certificate: are TETHER_TLS_CERT and TETHER_TLS_KEY swapped?`,
      ],
      [
        { TETHER_TLS_CERT: c.certFile },
        "tether: TETHER_TLS_KEY: must be set too when TETHER_TLS_CERT is: HTTPS needs the certificate and its key (or neither, for plain HTTP)",
      ],
    ];
    for (const [env, expected] of cases) {
      expect(oneLineError(await startWith(env), 2)).toBe(expected);
    }
  });
});

describe("the CLI around HTTPS", () => {
  it("tether doctor reports the certificate's names and how long it lasts", async () => {
    const certs = dir();
    const cert = makeCert(certs, ["tether.example.com", "localhost"], { days: 60 });
    const data = join(dir(), "data");
    const run = await cli(["doctor"], {
      ...tlsEnv(cert),
      TETHER_AGENT_HOST: "127.0.0.1",
      TETHER_AGENT_PORT: "0",
      TETHER_AGENT_DATA_DIR: data,
      TETHER_PUBLIC_URL: "https://tether.example.com:8787",
    });
    const line = run.stdout.split("\n").find((l) => /^\w+ +https /.test(l));
    expect(line, run.stdout).toMatch(
      new RegExp(
        `^ok +https +${cert.certFile}, for tether\\.example\\.com, localhost, valid until \\d{4}-\\d\\d-\\d\\d \\((59|60) days left\\)$`,
      ),
    );

    const soon = makeCert(certs, ["other.example.com"], { days: 5, file: "soon" });
    const warned = await cli(["doctor"], {
      ...tlsEnv(soon),
      TETHER_AGENT_HOST: "127.0.0.1",
      TETHER_AGENT_PORT: "0",
      TETHER_AGENT_DATA_DIR: data,
      TETHER_PUBLIC_URL: "https://tether.example.com",
    });
    const warning = warned.stdout.split("\n").find((l) => /^\w+ +https /.test(l));
    expect(warning, warned.stdout).toMatch(/^warn +https +.*, for other\.example\.com, /);
    expect(warning).toContain(
      "is for other.example.com, not for tether.example.com (TETHER_PUBLIC_URL): browsers opening that address will refuse it",
    );

    // Without TLS or an https public URL: plain HTTP, and why a phone cares.
    const plain = await cli(["doctor"], {
      TETHER_AGENT_HOST: "127.0.0.1",
      TETHER_AGENT_PORT: "0",
      TETHER_AGENT_DATA_DIR: data,
    });
    expect(plain.stdout).toMatch(
      /^warn +https +off: Tether speaks plain HTTP, and browsers allow push notifications only over HTTPS/m,
    );
  });

  it("tether pair puts the link on TETHER_PUBLIC_URL, and on https when Tether serves it", async () => {
    const link = await cli(["pair"], {
      TETHER_AGENT_HOST: "127.0.0.1",
      TETHER_PUBLIC_URL: "https://my-laptop.tailnet-1234.ts.net/",
    });
    expect(link, link.stderr).toMatchObject({ code: 0, stderr: "" });
    expect(link.stdout).toBe(
      `Open on your phone: https://my-laptop.tailnet-1234.ts.net/#/pair?token=${TOKEN}\n`,
    );
    const cert = makeCert(dir(), ["localhost"]);
    const tls = await cli(["pair"], {
      ...tlsEnv(cert),
      TETHER_AGENT_HOST: "127.0.0.1",
      TETHER_AGENT_PORT: "9443",
    });
    expect(tls.stdout).toBe(`Open on your phone: https://127.0.0.1:9443/#/pair?token=${TOKEN}\n`);
  });

  it.runIf(spawnSync("script", ["--version"]).status === 0)(
    "`tether start` on a terminal shows the link on TETHER_PUBLIC_URL",
    () => {
      const data = dir();
      const env = {
        TETHER_AGENT_HOST: "127.0.0.1",
        TETHER_AGENT_PORT: "0",
        TETHER_AGENT_DATA_DIR: join(data, "data"),
        TETHER_AGENT_LOG_LEVEL: "silent",
        TETHER_CONFIG: join(data, "no-config.json"),
        TETHER_AGENT_TOKEN: TOKEN,
        TETHER_PUBLIC_URL: "https://tether.example.com",
      };
      const vars = Object.entries(env).map(([k, v]) => `'${k}=${v}'`);
      // `script` runs the command on a pseudo-terminal; `timeout` stops it once it has started.
      const command = `env ${vars.join(" ")} timeout -s INT 5 '${process.execPath}' '${CLI}' start`;
      const run = spawnSync("script", ["-qec", command, "/dev/null"], {
        encoding: "utf8",
        timeout: 20_000,
      });
      expect(run.stdout).toContain(
        `Open on your phone: https://tether.example.com/#/pair?token=${TOKEN}`,
      );
    },
  );
});
