// What every test of a Claude session run by Tether needs: the fake Anthropic API, a sandbox for
// Claude Code's files (its own home, config and temp dirs), a data dir, and the daemon. Each
// test gets fresh ones, and leaves no Claude process behind.
import { afterEach, beforeEach } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "../fakes/anthropic.js";
import {
  type AgentSandbox,
  agentSandbox,
  hermeticEnv,
  processesMentioning,
} from "../fakes/support.js";
import { startTestDaemon, type TestDaemon, tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

export interface ClaudeRig {
  readonly fake: FakeAnthropic;
  readonly box: AgentSandbox;
  /** The environment Claude Code runs in: pointed at the fake, kept inside the sandbox. */
  agentEnv(extra?: Record<string, string>): Record<string, string>;
  /** Starts the daemon on this test's data dir; closed after the test. */
  daemon(options: { token: string; env?: Record<string, string> }): Promise<TestDaemon>;
}

/** Registers the per-test set-up and tear-down; call once at the top of a test file. */
export function useClaudeRig(prefix: string): ClaudeRig {
  let fake: FakeAnthropic | undefined;
  let box: AgentSandbox | undefined;
  let dataDir: ReturnType<typeof tempDir> | undefined;
  let daemon: TestDaemon | undefined;

  beforeEach(async () => {
    fake = await startFakeAnthropic();
    box = agentSandbox(prefix);
    dataDir = tempDir(`${prefix}data-`);
  });

  afterEach(async () => {
    await daemon?.close();
    daemon = undefined;
    const root = box!.root;
    await waitFor(() => processesMentioning(root).length === 0, {
      timeoutMs: 10_000,
      what: "claude processes to exit",
    });
    await fake!.close();
    box!.remove();
    dataDir!.remove();
  });

  const rig: ClaudeRig = {
    get fake() {
      return fake!;
    },
    get box() {
      return box!;
    },
    agentEnv: (extra = {}) =>
      hermeticEnv({
        ANTHROPIC_BASE_URL: fake!.url,
        ANTHROPIC_API_KEY: "sk-fake",
        CLAUDE_CONFIG_DIR: box!.home,
        CLAUDE_CODE_TMPDIR: box!.tmp,
        XDG_RUNTIME_DIR: box!.tmp,
        // Claude snapshots a login shell for Bash, which would otherwise run the developer's
        // ~/.bashrc.
        HOME: box!.root,
        ...extra,
      }),
    async daemon({ token, env }) {
      daemon = await startTestDaemon({
        token,
        dataDir: dataDir!.path,
        agentEnv: env ?? rig.agentEnv(),
      });
      return daemon;
    },
  };
  return rig;
}
