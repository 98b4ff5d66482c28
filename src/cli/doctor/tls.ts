// HTTPS: served by Tether itself (TETHER_TLS_CERT/KEY: the files, the names they are for, how long
// they last), or by a proxy or tunnel in front (an https TETHER_PUBLIC_URL), or not at all, which
// a phone notices first: browsers allow push notifications only over HTTPS.
import type { Config } from "../../config/schema.js";
import {
  certificateNames,
  loadTlsFiles,
  type TlsFiles,
  tlsNotices,
} from "../../config/tls-files.js";
import { StartupError } from "../../startup-error.js";
import { type Check, failed, ok, warn } from "./check.js";

const DAY_MS = 24 * 3600 * 1000;
/** Renew before this: `tailscale cert` and Let's Encrypt certificates last 90 days. */
const RENEW_WITHIN_DAYS = 14;

const READ_ME = 'see "Reach it from your phone" in the README';

export function checkTls(config: Config, now = new Date()): Check {
  const label = "https";
  let tls: TlsFiles | undefined;
  try {
    tls = loadTlsFiles(config);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    return failed(label, `${error.setting ?? "TETHER_TLS_CERT"}: ${error.message}`);
  }
  if (tls === undefined) {
    return config.TETHER_PUBLIC_URL?.startsWith("https:")
      ? ok(label, `by what serves TETHER_PUBLIC_URL (a proxy or tunnel in front of Tether)`)
      : warn(
          label,
          `off: Tether speaks plain HTTP, and browsers allow push notifications only over HTTPS (or on localhost); ${READ_ME}`,
        );
  }
  const until = new Date(tls.leaf.validTo);
  const days = Math.floor((until.getTime() - now.getTime()) / DAY_MS);
  const names = certificateNames(tls.leaf).join(", ") || "no name";
  const about = `${tls.certFile}, for ${names}, valid until ${until.toISOString().slice(0, 10)}`;
  if (days < 0) return failed(label, `${about}: expired; renew it and restart Tether`);
  const notes = tlsNotices(tls, config.TETHER_PUBLIC_URL, now);
  if (notes.length > 0) return warn(label, `${about}; ${notes.join("; ")}`);
  if (days < RENEW_WITHIN_DAYS) {
    return warn(label, `${about}: ${days} days left; renew it and restart Tether`);
  }
  return ok(label, `${about} (${days} days left)`);
}
