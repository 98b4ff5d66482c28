// `tether doctor`: checks what `tether start` needs, one line each (ok / warn / fail, with what
// to fix), and exits 1 when anything fails.

import { listenPlan } from "../../config/dev-mode.js";
import { ConfigError } from "../../config/load.js";
import { loadTlsFiles } from "../../config/tls-files.js";
import { readTokenFile } from "../../config/token-file.js";
import type { GlobalOptions } from "../client-runner.js";
import { checkAgents, checkDefaultAdapter } from "../doctor/agents.js";
import { type Check, failed } from "../doctor/check.js";
import { checkNode } from "../doctor/node-version.js";
import { checkPort } from "../doctor/port.js";
import { checkBridges, checkPush } from "../doctor/settings.js";
import { checkDataDir, checkToken } from "../doctor/storage.js";
import { checkTls } from "../doctor/tls.js";
import { EXIT_FAILED } from "../exit.js";
import { FlagError } from "../flags.js";
import { count } from "../format.js";
import { type StartConfig, type StartFlags, startConfig } from "../start-config.js";

export type DoctorOptions = StartFlags;

/** The certificate the daemon serves, for asking it over HTTPS; none when it cannot be read (the
 * https check says why). */
function servedCert(config: StartConfig["config"]): string | undefined {
  try {
    return loadTlsFiles(config)?.cert;
  } catch {
    return undefined;
  }
}

export async function doctor(options: DoctorOptions, global: GlobalOptions): Promise<void> {
  const agents = checkAgents();
  const checks: Check[] = [checkNode()];
  let settings: StartConfig | undefined;
  try {
    settings = startConfig(options);
    listenPlan(settings.config);
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof FlagError)) throw error;
    checks.push(failed("settings", `${error.message}; the checks that need settings are skipped`));
    settings = undefined;
  }
  if (settings) {
    const { config, nameOf } = settings;
    const token =
      global.token ?? config.TETHER_AGENT_TOKEN ?? readTokenFile(config.TETHER_AGENT_TOKEN_FILE);
    checks.push(
      ...checkDataDir(config.TETHER_AGENT_DATA_DIR, nameOf("TETHER_AGENT_DATA_DIR")),
      checkToken(
        config.TETHER_AGENT_TOKEN_FILE,
        config.TETHER_AGENT_TOKEN !== undefined,
        config.TETHER_AGENT_DEV_MODE,
      ),
      await checkPort(
        listenPlan(config).host,
        config.TETHER_AGENT_PORT,
        token,
        { port: nameOf("TETHER_AGENT_PORT"), host: nameOf("TETHER_AGENT_HOST") },
        servedCert(config),
      ),
      checkTls(config),
    );
    checks.push(
      ...(await agents),
      checkDefaultAdapter(config.TETHER_AGENT_ADAPTER),
      ...checkPush(config),
      ...checkBridges(config),
    );
  } else {
    checks.push(...(await agents));
  }

  const width = Math.max(...checks.map((c) => c.name.length));
  for (const c of checks) {
    process.stdout.write(`${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}\n`);
  }
  const failures = checks.filter((c) => c.status === "fail").length;
  const warnings = checks.filter((c) => c.status === "warn").length;
  process.stdout.write(
    failures + warnings === 0
      ? "all good\n"
      : `${count(failures, "problem")}, ${count(warnings, "warning")}\n`,
  );
  if (failures > 0) process.exit(EXIT_FAILED);
}
