// The certificate and key files Tether serves HTTPS with: each way they can be wrong is a
// StartupError naming the setting, without the key's contents; what works but deserves a look
// is a notice; and the clients trust exactly that certificate, not any other.

import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PeerCertificate } from "node:tls";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { trustOptions } from "../../dist/client/trusted-cert.js";
import { loadConfig } from "../../dist/config/load.js";
import { certificateNames, loadTlsFiles } from "../../dist/config/tls-files.js";
import { StartupError } from "../../dist/startup-error.js";
import { tempDir } from "../helpers/daemon.js";
import { makeCert, OPENSSL } from "../helpers/tls.js";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir("tether-tls-files-");
});
afterEach(() => dir.remove());

function config(cert: string, key: string, extra: Record<string, string> = {}) {
  return loadConfig({
    env: { TETHER_TLS_CERT: cert, TETHER_TLS_KEY: key, ...extra },
    cwd: dir.path,
    configFile: join(dir.path, "none.json"),
  });
}

function refusal(cert: string, key: string): StartupError {
  try {
    loadTlsFiles(config(cert, key));
  } catch (error) {
    expect(error).toBeInstanceOf(StartupError);
    return error as StartupError;
  }
  throw new Error("expected a StartupError");
}

describe("loadTlsFiles", () => {
  it("is off without the settings, and reads a matching pair with its chain", () => {
    expect(loadTlsFiles(loadConfig({ env: {}, cwd: dir.path }))).toBeUndefined();
    const c = makeCert(dir.path, ["tether.lan", "192.168.1.5"]);
    const ca = makeCert(dir.path, ["Test CA"], { file: "ca" });
    // A server certificate followed by its chain, as `tailscale cert` and ACME clients write it.
    const chained = join(dir.path, "chain.crt");
    writeFileSync(chained, c.cert + ca.cert);
    const notices: string[] = [];
    const tls = loadTlsFiles(config(chained, c.keyFile), notices)!;
    expect(tls.cert).toBe(c.cert + ca.cert);
    expect(certificateNames(tls.leaf)).toEqual(["tether.lan", "192.168.1.5"]);
    expect(notices).toEqual([]);
  });

  it("names the setting and the problem for each bad file", () => {
    const a = makeCert(dir.path, ["localhost"], { file: "a" });
    const b = makeCert(dir.path, ["localhost"], { file: "b" });
    const text = join(dir.path, "text.txt");
    writeFileSync(text, "not a certificate\n");
    const damaged = join(dir.path, "damaged.crt");
    writeFileSync(damaged, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    const encrypted = join(dir.path, "encrypted.key");
    execFileSync(OPENSSL, [
      "pkey",
      "-in",
      a.keyFile,
      "-aes256",
      "-passout",
      "pass:secret",
      "-out",
      encrypted,
    ]);

    const cases: [string, string, string, string | RegExp][] = [
      [join(dir.path, "nope.crt"), a.keyFile, "TETHER_TLS_CERT", /^no such file: /],
      [dir.path, a.keyFile, "TETHER_TLS_CERT", `${dir.path} is a folder, not a PEM file`],
      [text, a.keyFile, "TETHER_TLS_CERT", /is not a PEM certificate/],
      [damaged, a.keyFile, "TETHER_TLS_CERT", /its first certificate cannot be read/],
      [a.keyFile, a.certFile, "TETHER_TLS_CERT", /holds a private key, not a certificate/],
      [a.certFile, a.certFile, "TETHER_TLS_KEY", /holds a certificate, not a private key/],
      [a.certFile, text, "TETHER_TLS_KEY", /is not a PEM private key/],
      [a.certFile, encrypted, "TETHER_TLS_KEY", /is encrypted with a passphrase/],
      [a.certFile, b.keyFile, "TETHER_TLS_KEY", /is not the private key of the certificate/],
    ];
    const keyText = readFileSync(a.keyFile, "utf8");
    for (const [cert, key, setting, says] of cases) {
      const error = refusal(cert, key);
      expect(error.setting, `${cert} / ${key}`).toBe(setting);
      expect(error.badSetting).toBe(true);
      expect(error.message).toMatch(says);
      expect(error.message).not.toContain("\n");
      expect(error.message).not.toContain(keyText.split("\n")[1]!.slice(0, 12));
    }
  });

  it("starts, with a notice, for a key others can read or a public URL the certificate lacks", () => {
    const c = makeCert(dir.path, ["tether.lan"]);
    chmodSync(c.keyFile, 0o644);
    const notices: string[] = [];
    loadTlsFiles(
      config(c.certFile, c.keyFile, { TETHER_PUBLIC_URL: "https://other.example" }),
      notices,
    );
    expect(notices).toEqual([
      `the certificate in ${c.certFile} (TETHER_TLS_CERT) is for tether.lan, not for other.example (TETHER_PUBLIC_URL): browsers opening that address will refuse it`,
      `${c.keyFile} (TETHER_TLS_KEY) can be read by other users: \`chmod 600 ${c.keyFile}\``,
    ]);
  });
});

describe("trustOptions: the clients trust exactly the daemon's certificate", () => {
  const peer = (pem: string) => {
    const x = new X509Certificate(pem);
    return {
      fingerprint256: x.fingerprint256,
      subject: { CN: "x" },
      subjectaltname: x.subjectAltName,
    } as unknown as PeerCertificate;
  };

  it("skips the name check only for that very certificate", () => {
    const mine = makeCert(dir.path, ["my-laptop.tailnet.ts.net"], { file: "mine" });
    const other = makeCert(dir.path, ["my-laptop.tailnet.ts.net"], { file: "other" });
    const trust = trustOptions(mine.cert);
    expect(trust.checkServerIdentity("localhost", peer(mine.cert))).toBeUndefined();
    expect(trust.checkServerIdentity("localhost", peer(other.cert))).toBeInstanceOf(Error);
  });

  it("a damaged file pins nothing", () => {
    const mine = makeCert(dir.path, ["localhost"]);
    const trust = trustOptions("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    expect(trust.checkServerIdentity("other.example", peer(mine.cert))).toBeInstanceOf(Error);
  });
});
