import { ConfigError, loadConfig } from "../../config/load.js";
import { readTokenFile } from "../../config/token-file.js";
import { pairingLink, printPairing } from "../pairing.js";

/** `tether pair`: shows the pairing link (and its QR code on a terminal) for the daemon this
 * user's settings describe, with the configured or generated token: on TETHER_PUBLIC_URL when it
 * is set (the address the phone uses), else on this machine's LAN address. `tether start` shows
 * it only on a terminal, so this is how to get it when the daemon runs as a service. */
export async function pair(): Promise<void> {
  const fail = (line: string, code = 1): never => {
    process.stderr.write(`tether: ${line}\n`);
    process.exit(code);
  };
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message, 2);
    throw error;
  }
  const https = config.TETHER_TLS_CERT !== undefined;
  if (config.TETHER_AGENT_DEV_MODE) {
    process.stdout.write(
      `dev mode: no pairing needed; open ${https ? "https" : "http"}://127.0.0.1:${config.TETHER_AGENT_PORT}/ on this machine\n`,
    );
    return;
  }
  const token = config.TETHER_AGENT_TOKEN ?? readTokenFile(config.TETHER_AGENT_TOKEN_FILE);
  if (token === undefined) {
    return fail(
      `no token in ${config.TETHER_AGENT_TOKEN_FILE} yet; run \`tether start\` once to make one`,
    );
  }
  const place = {
    publicUrl: config.TETHER_PUBLIC_URL,
    host: config.TETHER_AGENT_HOST,
    port: config.TETHER_AGENT_PORT,
    https,
  };
  await printPairing(pairingLink(place, token), process.stdout);
}
