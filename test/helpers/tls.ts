// Certificates made for a test with the real openssl, in a temp dir: self-signed for the names
// given (DNS names and IP addresses), with the SPKI hash Chromium's
// --ignore-certificate-errors-spki-list takes to trust exactly that key.
import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { chmodSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";

export const OPENSSL = "/usr/bin/openssl";

export interface TestCert {
  certFile: string;
  keyFile: string;
  /** The certificate's PEM. */
  cert: string;
  /** base64(SHA-256(SubjectPublicKeyInfo)), for Chromium. */
  spki: string;
}

/** A self-signed P-256 certificate for `names` (the first is its CN), valid `days` days, as
 * `<dir>/<file>.crt` and `<dir>/<file>.key` (0600). */
export function makeCert(
  dir: string,
  names: string[],
  options: { days?: number; file?: string } = {},
): TestCert {
  const file = options.file ?? "tls";
  const certFile = join(dir, `${file}.crt`);
  const keyFile = join(dir, `${file}.key`);
  const alt = names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  execFileSync(
    OPENSSL,
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      String(options.days ?? 30),
      "-subj",
      `/CN=${names[0]}`,
      "-addext",
      `subjectAltName=${alt}`,
    ],
    { stdio: "ignore" },
  );
  chmodSync(keyFile, 0o600);
  const cert = readFileSync(certFile, "utf8");
  const spkiDer = new X509Certificate(cert).publicKey.export({ type: "spki", format: "der" });
  return { certFile, keyFile, cert, spki: createHash("sha256").update(spkiDer).digest("base64") };
}
