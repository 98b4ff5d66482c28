// Serving HTTPS directly: TETHER_TLS_CERT and TETHER_TLS_KEY name PEM files (a `tailscale cert`
// pair, a certificate of your own CA, a self-signed one). They are read once at start and checked
// here, so that a wrong file is one line naming the setting instead of a TLS error at the first
// connection. Nothing of the key's contents ever goes into a message.
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { StartupError } from "../startup-error.js";
import type { Config, ConfigKey } from "./schema.js";

export interface TlsFiles {
  /** The certificate file as given: the server's certificate, then any chain. */
  cert: string;
  key: string;
  /** The server's own certificate (the first in the file): its names and dates. */
  leaf: X509Certificate;
  certFile: string;
  keyFile: string;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN (?:RSA |EC |)PRIVATE KEY-----/;
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,ENCRYPTED/;

/** The certificate and key to serve, or undefined when TLS is off; a StartupError naming the
 * setting when either file is unusable. `notices` gets what works but deserves a look. */
export function loadTlsFiles(config: Config, notices: string[] = []): TlsFiles | undefined {
  const certFile = config.TETHER_TLS_CERT;
  const keyFile = config.TETHER_TLS_KEY;
  if (certFile === undefined || keyFile === undefined) return undefined;
  const cert = readPem(certFile, "TETHER_TLS_CERT");
  const leaf = certificateIn(cert, certFile);
  const key = readPem(keyFile, "TETHER_TLS_KEY");
  const keyObject = privateKeyIn(key, keyFile);
  if (!leaf.checkPrivateKey(keyObject)) {
    throw bad(
      "TETHER_TLS_KEY",
      `${keyFile} is not the private key of the certificate in ${certFile} (TETHER_TLS_CERT): give the key that was made with it`,
    );
  }
  const tls = { cert, key, leaf, certFile, keyFile };
  notices.push(...tlsNotices(tls, config.TETHER_PUBLIC_URL));
  return tls;
}

/** What works but needs the user's attention: a certificate out of date or for another name
 * than TETHER_PUBLIC_URL's, a key others can read. */
export function tlsNotices(
  tls: TlsFiles,
  publicUrl: string | undefined,
  now = new Date(),
): string[] {
  const notes: string[] = [];
  const from = new Date(tls.leaf.validFrom);
  const to = new Date(tls.leaf.validTo);
  if (to < now) {
    notes.push(
      `the certificate in ${tls.certFile} (TETHER_TLS_CERT) expired on ${day(to)}: browsers refuse it; renew it and restart Tether`,
    );
  } else if (from > now) {
    notes.push(
      `the certificate in ${tls.certFile} (TETHER_TLS_CERT) is valid only from ${day(from)}: check this machine's clock`,
    );
  }
  const publicHost = publicUrl?.startsWith("https:") ? new URL(publicUrl).hostname : undefined;
  if (
    publicHost !== undefined &&
    !certificateCovers(tls.leaf, publicHost.replace(/^\[|\]$/g, ""))
  ) {
    notes.push(
      `the certificate in ${tls.certFile} (TETHER_TLS_CERT) is for ${certificateNames(tls.leaf).join(", ") || "no name"}, not for ${publicHost} (TETHER_PUBLIC_URL): browsers opening that address will refuse it`,
    );
  }
  const mode = statSync(tls.keyFile).mode & 0o077;
  if (mode !== 0) {
    notes.push(
      `${tls.keyFile} (TETHER_TLS_KEY) can be read by other users: \`chmod 600 ${tls.keyFile}\``,
    );
  }
  return notes;
}

/** The DNS names and addresses the certificate is for (its subjectAltName, else its CN). */
export function certificateNames(leaf: X509Certificate): string[] {
  const alt = leaf.subjectAltName;
  if (alt) {
    return alt
      .split(/,\s*/)
      .map((entry) => /^(?:DNS|IP Address):(.+)$/.exec(entry)?.[1]?.trim())
      .filter((name): name is string => Boolean(name));
  }
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject)?.[1];
  return cn ? [cn] : [];
}

/** Whether the certificate names `host` (a wildcard covers one label). */
export function certificateCovers(leaf: X509Certificate, host: string): boolean {
  return isIP(host) ? leaf.checkIP(host) !== undefined : leaf.checkHost(host) !== undefined;
}

/** Every certificate in a PEM file, each as its own PEM block. */
export function pemCertificates(pem: string): string[] {
  return pem.match(CERT_BLOCK) ?? [];
}

function readPem(path: string, setting: ConfigKey): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw bad(setting, `no such file: ${path}`, error);
    if (code === "EISDIR") throw bad(setting, `${path} is a folder, not a PEM file`, error);
    if (code === "EACCES" || code === "EPERM") {
      throw new StartupError(
        `cannot read ${path} (permission denied): make it readable by the user running Tether`,
        { cause: error, setting },
      );
    }
    throw new StartupError(`cannot read ${path} (${code ?? (error as Error).message})`, {
      cause: error,
      setting,
    });
  }
}

function certificateIn(pem: string, path: string): X509Certificate {
  const first = pemCertificates(pem)[0];
  if (first === undefined) {
    const swapped = KEY_BLOCK.test(pem) || ENCRYPTED_KEY.test(pem);
    throw bad(
      "TETHER_TLS_CERT",
      swapped
        ? `${path} holds a private key, not a certificate: are TETHER_TLS_CERT and TETHER_TLS_KEY swapped?`
        : `${path} is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" block)`,
    );
  }
  try {
    return new X509Certificate(first);
  } catch (error) {
    throw bad(
      "TETHER_TLS_CERT",
      `${path}: its first certificate cannot be read (damaged PEM?)`,
      error,
    );
  }
}

function privateKeyIn(pem: string, path: string): KeyObject {
  if (ENCRYPTED_KEY.test(pem)) {
    throw bad(
      "TETHER_TLS_KEY",
      `${path} is encrypted with a passphrase, which Tether cannot ask for: decrypt it with \`openssl pkey -in ${path} -out <new file>\` and keep that one private`,
    );
  }
  if (!KEY_BLOCK.test(pem)) {
    throw bad(
      "TETHER_TLS_KEY",
      pemCertificates(pem).length > 0
        ? `${path} holds a certificate, not a private key: are TETHER_TLS_CERT and TETHER_TLS_KEY swapped?`
        : `${path} is not a PEM private key (no "-----BEGIN PRIVATE KEY-----" block)`,
    );
  }
  try {
    return createPrivateKey(pem);
  } catch (error) {
    // OpenSSL's message says nothing about the key's contents, but it is not needed either.
    throw bad("TETHER_TLS_KEY", `${path}: the private key cannot be read (damaged PEM?)`, error);
  }
}

function bad(setting: ConfigKey, message: string, cause?: unknown): StartupError {
  return new StartupError(message, { cause, setting, badSetting: true });
}

function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}
