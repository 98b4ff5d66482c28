// Where a client of the daemon (the CLI, tether-mcp) finds it and which token it sends: the
// config layers (file → .env → environment), or the environment alone when some unrelated
// setting is invalid — a bad TELEGRAM_* value must not stop `tether status`. With no token
// configured, the one the local daemon generated (its token file), but only for a daemon on
// this machine: that token must never be sent to another host. Without TETHER_API_URL, the daemon
// the same settings describe: its port, and https when it serves TETHER_TLS_CERT, whose file is
// then the certificate the client trusts (trusted-cert.ts).
import { readFileSync } from "node:fs";
import { ConfigError, defaultConfigFile, defaultTokenFile, loadConfig } from "../config/load.js";
import { isLoopbackUrl } from "../config/loopback.js";
import { readTokenFile } from "../config/token-file.js";

export interface ClientSettings {
  url: string;
  token: string | undefined;
  /** The daemon's certificate (TETHER_TLS_CERT's file), when it serves one and it can be read. */
  trustedCert: string | undefined;
  /** Why the config was ignored, when it was. */
  configProblem: string | undefined;
  /** The token to send to `url` when the user named another URL (e.g. `--url`). */
  tokenFor(url: string): string | undefined;
}

export function clientSettings(): ClientSettings {
  const env = process.env;
  let url = env.TETHER_API_URL;
  let token = env.TETHER_AGENT_TOKEN;
  let tokenFile = env.TETHER_AGENT_TOKEN_FILE || defaultTokenFile(defaultConfigFile(env));
  let certFile = env.TETHER_TLS_CERT;
  let port = Number(env.TETHER_AGENT_PORT) || undefined;
  let configProblem: string | undefined;
  try {
    const config = loadConfig();
    url = config.TETHER_API_URL;
    token = config.TETHER_AGENT_TOKEN;
    tokenFile = config.TETHER_AGENT_TOKEN_FILE;
    certFile = config.TETHER_TLS_CERT;
    port = config.TETHER_AGENT_PORT || undefined;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    configProblem = error.message;
  }
  const configured = token || undefined;
  const tokenFor = (to: string) => configured ?? localToken(to, tokenFile);
  url ||= `${certFile ? "https" : "http"}://localhost:${port ?? 8787}`;
  return {
    url,
    token: tokenFor(url),
    trustedCert: certFile ? readCertFile(certFile) : undefined,
    configProblem,
    tokenFor,
  };
}

/** The generated token, when `url` is a daemon on this machine. */
export function localToken(url: string, tokenFile: string): string | undefined {
  return isLoopbackUrl(url) ? readTokenFile(tokenFile) : undefined;
}

/** The certificate to trust; unreadable, none (the daemon itself says what is wrong with it, and
 * the client's TLS error says the certificate is not trusted). */
function readCertFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
