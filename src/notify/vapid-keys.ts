// The daemon's VAPID key pair: made on first start, kept in the data dir, reused afterwards.
// Browsers bind their push subscriptions to the public key, so a new pair would silently
// orphan every subscribed phone: a damaged file stops start-up instead of being replaced.
import { createECDH } from "node:crypto";
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StartupError } from "../startup-error.js";

export interface VapidKeys {
  /** Uncompressed P-256 point, 65 bytes, base64url: the browser's applicationServerKey. */
  publicKey: string;
  /** The private scalar, 32 bytes, base64url. */
  privateKey: string;
}

export const VAPID_FILE = "vapid.json";

/** The VAPID key file is damaged: start-up stops rather than orphan every subscribed phone. */
export class VapidKeyError extends StartupError {
  override name = "VapidKeyError";
}

export function loadOrCreateVapidKeys(dataDir: string): VapidKeys {
  const path = join(dataDir, VAPID_FILE);
  if (existsSync(path)) return readKeys(path);
  const keys = generateVapidKeys();
  const file = { public_key: keys.publicKey, private_key: keys.privateKey };
  const tmp = `${path}.${process.pid}.tmp`;
  // Created 0600 from the start (not chmod-ed after), so the private key is never readable by
  // others, not even for a moment.
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: "w" });
  chmodSync(tmp, 0o600); // the umask may have narrowed it further; never widened
  renameSync(tmp, path);
  return keys;
}

export function generateVapidKeys(): VapidKeys {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  // getPrivateKey() drops leading zero bytes; VAPID wants exactly 32.
  const privateKey = Buffer.alloc(32);
  const raw = ecdh.getPrivateKey();
  raw.copy(privateKey, 32 - raw.length);
  return {
    publicKey: ecdh.getPublicKey().toString("base64url"),
    privateKey: privateKey.toString("base64url"),
  };
}

function readKeys(path: string): VapidKeys {
  const broken = (why: string) =>
    new VapidKeyError(
      `${path}: ${why}; restore it from a backup, or delete it to make new keys (every device must then enable notifications again)`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw broken(error instanceof SyntaxError ? "not valid JSON" : "cannot be read");
  }
  const file = parsed as { public_key?: unknown; private_key?: unknown } | null;
  const publicKey = file?.public_key;
  const privateKey = file?.private_key;
  if (
    typeof publicKey !== "string" ||
    typeof privateKey !== "string" ||
    Buffer.from(publicKey, "base64url").length !== 65 ||
    Buffer.from(privateKey, "base64url").length !== 32
  ) {
    throw broken("does not hold a VAPID key pair (public_key, private_key)");
  }
  return { publicKey, privateKey };
}
