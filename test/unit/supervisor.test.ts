// The supervisor runs the agents of the sessions Tether starts: here a scripted fake agent, with
// a real engine on the in-memory store. Input reaches the agent in seq order and is acknowledged
// only once handed over, so a failed start or a restart loses nothing; interrupts and the human's
// decisions reach the agent; and a restart cleans up after the agents that died with Tether.
import { realpathSync } from "node:fs";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Supervisor } from "../../dist/adapters/supervisor.js";
import { AdapterError } from "../../dist/adapters/types.js";
import { LocalBus } from "../../dist/bus/bus.js";
import { Engine } from "../../dist/core/engine.js";
import { MemoryData, MemoryStore } from "../../dist/core/memory-store.js";
import { echo, FakeAdapter, type FakeScript } from "../fakes/fake-adapter.js";
import { tempDir } from "../helpers/daemon.js";
import { waitFor } from "../helpers/wait.js";

interface Tether {
  engine: Engine;
  supervisor: Supervisor;
}

let dir: ReturnType<typeof tempDir>;
let data: MemoryData;
let adapter: FakeAdapter;
let started: Tether[];
let tether: Tether;

/** Tether on `data`: a new engine, bus and supervisor, as after a (re)start of the daemon.
 * `meanwhile` runs on the engine before the supervisor takes over. */
async function startTether(meanwhile?: (engine: Engine) => Promise<void>): Promise<Tether> {
  const bus = new LocalBus();
  const engine = new Engine({ store: new MemoryStore(data), bus });
  await engine.init();
  await meanwhile?.(engine);
  const supervisor = new Supervisor({
    engine,
    bus,
    adapters: { fake: async () => adapter },
    env: {},
    log: pino({ level: "silent" }),
    allowedRoots: [dir.path],
  });
  await supervisor.init();
  const t = { engine, supervisor };
  started.push(t);
  return t;
}

beforeEach(async () => {
  dir = tempDir("tether-supervisor-");
  data = new MemoryData();
  adapter = new FakeAdapter();
  started = [];
  tether = await startTether();
});

afterEach(async () => {
  for (const t of started) {
    await t.supervisor.close();
    await t.engine.drain();
  }
  dir.remove();
});

const fakeSession = () => tether.engine.createSession({ kind: "fake", directory: dir.path });

/** The session's queued input the agent has not acknowledged. */
const queued = async (id: string) =>
  (await tether.engine.readQueue(id)).map((m) => [m.type, (m.data as { text?: string }).text]);

/** Never ends its turn until interrupted: the agent is busy. */
const busy: FakeScript = ({ host, signal }) => {
  host.turnStarted();
  signal.addEventListener("abort", () => host.turnEnded(), { once: true });
};

describe("input", () => {
  it("hands input to the agent in seq order, acknowledging each only once handed over", async () => {
    const s = await fakeSession();
    const cursorAtHandOver: number[] = [];
    adapter.script = (turn) => {
      cursorAtHandOver.push(tether.engine.getSession(s.id).agent_cursor);
      return echo(turn);
    };

    const sent = await Promise.all(
      ["one", "two", "three"].map((text) =>
        tether.engine.sendInput(s.id, { text, sender: { kind: "web", device: "phone" } }),
      ),
    );

    await waitFor(() => tether.engine.getSession(s.id).agent_cursor === sent[2]!.seq, {
      what: "all three acknowledged",
    });
    expect(adapter.runs).toHaveLength(1);
    expect(adapter.run!.sends).toEqual(["one", "two", "three"]);
    // Each was acknowledged only after it was handed over, never before.
    expect(cursorAtHandOver).toEqual([0, sent[0]!.seq, sent[1]!.seq]);
    expect(adapter.starts).toEqual([
      expect.objectContaining({ directory: realpathSync(dir.path), resume: null }),
    ]);
    expect(await queued(s.id)).toEqual([]);
  });

  it("leaves input queued when the agent fails to start, and hands it over at the next start", async () => {
    const s = await fakeSession();
    adapter.failNextStart();

    await tether.engine.sendInput(s.id, { text: "first", sender: { kind: "cli" } });

    await waitFor(() => tether.engine.getSession(s.id).state === "error", { what: "error" });
    expect(tether.engine.getSession(s.id).error).toBe("the fake agent is not logged in");
    expect(adapter.runs).toEqual([]);
    expect(await queued(s.id)).toEqual([["human_input", "first"]]);

    // The next message starts the agent again, which gets both, in order.
    const second = await tether.engine.sendInput(s.id, { text: "second", sender: { kind: "cli" } });
    await waitFor(() => tether.engine.getSession(s.id).agent_cursor === second.seq, {
      what: "both acknowledged",
    });
    expect(adapter.starts).toHaveLength(2);
    expect(adapter.run!.sends).toEqual(["first", "second"]);
    expect(tether.engine.getSession(s.id).state).toBe("awaiting_input");
  });

  it("hands what was queued to an agent started again by hand (the Start button)", async () => {
    const s = await fakeSession();
    adapter.failNextStart();
    const first = await tether.engine.sendInput(s.id, { text: "first", sender: { kind: "cli" } });
    await waitFor(() => tether.engine.getSession(s.id).state === "error", { what: "error" });

    await tether.supervisor.start(s.id);
    await waitFor(() => tether.engine.getSession(s.id).agent_cursor === first.seq, {
      what: "the queued message acknowledged",
    });
    expect(adapter.run!.sends).toEqual(["first"]);
  });
});

describe("failures to start", () => {
  /** Tether stops as it should, and starts again on the same data. */
  async function restart(): Promise<void> {
    started.splice(started.indexOf(tether), 1);
    await tether.supervisor.close();
    await tether.engine.drain();
    tether = await startTether();
  }

  const errorOutputs = async (id: string) => {
    await tether.engine.drain();
    return (await tether.engine.readEvents(id, 0, 1000)).events.flatMap((e) =>
      e.type === "output" && e.data.kind === "error" ? [e.data.text] : [],
    );
  };

  it("are recorded once while the agent keeps failing the same way, and again when the failure changes", async () => {
    const s = await fakeSession();
    adapter.failNextStart();
    await tether.engine.sendInput(s.id, { text: "first", sender: { kind: "cli" } });
    await waitFor(() => tether.engine.getSession(s.id).state === "error", { what: "error" });

    // Each restart tries again with what is still queued, and fails the same way.
    for (const attempt of [2, 3]) {
      adapter.failNextStart();
      await restart();
      await waitFor(() => adapter.starts.length === attempt, { what: `start ${attempt}` });
    }
    expect(await errorOutputs(s.id)).toEqual(["the fake agent is not logged in"]);
    const states = (await tether.engine.readEvents(s.id, 0, 1000)).events.filter(
      (e) => e.type === "state" && e.data.to === "error",
    );
    expect(states).toHaveLength(1);

    // A different failure is news.
    adapter.failNextStart(new AdapterError("the fake agent is out of credit"));
    await restart();
    await waitFor(
      () => tether.engine.getSession(s.id).error === "the fake agent is out of credit",
      { what: "the new error" },
    );
    expect(await errorOutputs(s.id)).toEqual([
      "the fake agent is not logged in",
      "the fake agent is out of credit",
    ]);
    // Nothing typed was lost on the way.
    expect(await queued(s.id)).toEqual([["human_input", "first"]]);
  });

  it("never start the agent of a session that has ended", async () => {
    const s = await fakeSession();
    adapter.failNextStart();
    await tether.engine.sendInput(s.id, { text: "first", sender: { kind: "cli" } });
    await waitFor(() => tether.engine.getSession(s.id).state === "error", { what: "error" });
    await tether.engine.setState(s.id, "done", "ended by cli");

    await restart();
    await expect(tether.supervisor.start(s.id)).rejects.toMatchObject({ code: "session_ended" });
    expect(adapter.starts).toHaveLength(1);
  });
});

describe("interrupts", () => {
  it("reach the running agent; its pending question is withdrawn", async () => {
    const s = await fakeSession();
    adapter.script = async (turn) => {
      turn.host.turnStarted();
      await turn.askPermission(bash("sleep 100"));
      turn.host.turnEnded();
    };
    await tether.engine.sendInput(s.id, { text: "work", sender: { kind: "cli" } });
    const asked = await pendingApproval(s.id);

    const { seq } = await interruptSeq(s.id);

    await waitFor(() => adapter.run!.decisions.length === 1, { what: "the agent to stop waiting" });
    expect(adapter.run!.interrupts).toBe(1);
    expect(adapter.run!.decisions).toEqual([{ allow: false, message: "withdrawn" }]);
    await waitFor(
      async () => (await tether.engine.approvals.get(asked.id)).status === "cancelled",
      {
        what: "the question withdrawn",
      },
    );
    await waitFor(() => tether.engine.getSession(s.id).agent_cursor >= seq, {
      what: "the interrupt acknowledged",
    });
    await waitFor(() => tether.engine.getSession(s.id).state === "awaiting_input", {
      what: "the turn ended",
    });
    expect(adapter.runs).toHaveLength(1);
  });

  it("start no agent when none is running: there is nothing to stop", async () => {
    const s = await fakeSession();
    await tether.engine.setState(s.id, "running");

    const { seq } = await interruptSeq(s.id);

    await waitFor(() => tether.engine.getSession(s.id).state === "awaiting_input", {
      what: "interrupted",
    });
    expect(tether.engine.getSession(s.id).agent_cursor).toBe(seq);
    expect(adapter.starts).toEqual([]);
  });
});

describe("permissions", () => {
  it("asked by the agent are answered with engine.approvals.resolve, and the agent gets the decision", async () => {
    const s = await fakeSession();
    adapter.script = async (turn) => {
      turn.host.turnStarted();
      const first = await turn.askPermission(bash("npm test"));
      turn.host.output("text", first.allow ? "ran npm test" : "did not run npm test");
      await turn.askPermission(bash("git push"));
      turn.host.turnEnded();
    };
    await tether.engine.sendInput(s.id, { text: "test and push", sender: { kind: "cli" } });

    const first = await pendingApproval(s.id);
    expect(first).toMatchObject({
      tool_name: "Bash",
      title: "Bash: npm test",
      tool_input: { command: "npm test" },
      options: ["Allow", "Deny", "Allow Bash for this session"],
    });
    await tether.engine.approvals.resolve(first.id, {
      option: "Allow",
      actor: { kind: "web", device: "phone" },
    });
    await waitFor(() => adapter.run!.decisions.length === 1, { what: "the first decision" });

    const second = await pendingApproval(s.id);
    await tether.engine.approvals.resolve(second.id, {
      option: "Deny",
      actor: { kind: "web", device: "alice" },
      message: "not on Friday",
    });
    await waitFor(() => tether.engine.getSession(s.id).state === "awaiting_input", {
      what: "the turn to end",
    });

    expect(adapter.run!.decisions).toEqual([
      { allow: true },
      { allow: false, message: "not on Friday" },
    ]);
    const outputs = (await tether.engine.readEvents(s.id, 0, 100)).events
      .filter((e) => e.type === "output")
      .map((e) => e.data.text);
    expect(outputs).toEqual(["ran npm test"]);
    // The decisions, queued for the agent, were acknowledged once handed over.
    await waitFor(async () => (await queued(s.id)).length === 0, { what: "all acknowledged" });
  });
});

describe("a restart", () => {
  it("withdraws the questions of the agents that died, sets their sessions awaiting input, and hands over what was queued", async () => {
    const mine = await fakeSession();
    const external = await tether.engine.createSession({ kind: "external" });
    adapter.script = async (turn) => {
      turn.host.turnStarted();
      turn.host.resumeWith("fake-thread-1");
      await turn.askPermission(bash("rm -rf build"));
    };
    await tether.engine.sendInput(mine.id, { text: "clean up", sender: { kind: "cli" } });
    const dying = await pendingApproval(mine.id);
    const theirs = await tether.engine.approvals.ask(external.id, {
      title: "Deploy?",
      description: "",
      options: ["Yes", "No"],
      tool_name: null,
      tool_input: null,
    });
    await waitFor(() => tether.engine.getSession(mine.id).agent_session_id === "fake-thread-1", {
      what: "the agent's own id recorded",
    });
    expect(tether.engine.getSession(mine.id).state).toBe("running");
    expect(tether.engine.getSession(external.id).state).toBe("running");
    await tether.engine.drain();

    // The daemon dies: nothing of it is closed, its agent is gone. A new one starts on the same
    // data, and a message arrives before its supervisor takes over.
    started.splice(started.indexOf(tether), 1);
    adapter.script = busy;
    const before = adapter.runs.length;
    const diedAt = tether.engine.getSession(mine.id).last_seq;
    tether = await startTether(async (engine) => {
      await engine.sendInput(mine.id, { text: "after the restart", sender: { kind: "cli" } });
    });

    expect((await tether.engine.approvals.get(dying.id)).status).toBe("cancelled");
    // Only the sessions Tether runs: an external agent's are its own business.
    expect((await tether.engine.approvals.get(theirs.id)).status).toBe("pending");
    expect(tether.engine.getSession(external.id).state).toBe("running");

    await waitFor(() => adapter.runs.length === before + 1, { what: "the agent started again" });
    await waitFor(() => tether.engine.getSession(mine.id).state === "running", {
      what: "its turn to start",
    });
    expect(adapter.run!.sends).toEqual(["after the restart"]);
    expect(adapter.starts.at(-1)).toMatchObject({ resume: "fake-thread-1" });
    // The state in memory moves when the change is staged; the history is read from the disk.
    await tether.engine.drain();
    const since = (await tether.engine.readEvents(mine.id, diedAt, 100)).events;
    const what = (e: (typeof since)[number]) => {
      const d = e.data as { status?: string; reason?: string; text?: string };
      return d.status ?? d.reason ?? d.text;
    };
    expect(since.map((e) => [e.type, what(e)])).toEqual([
      ["human_input", "after the restart"],
      ["approval_resolved", "cancelled"],
      ["state", "Tether restarted; the agent carries on with your next message"],
      ["state", "turn started"],
    ]);
    expect(since[2]!.data).toMatchObject({ from: "running", to: "awaiting_input" });
    expect(adapter.starts.at(-1)).toMatchObject({ resume: "fake-thread-1" });
  });
});

function bash(command: string) {
  return { tool: "Bash", title: `Bash: ${command}`, description: "", input: { command } };
}

/** The session's one pending approval, once there is one. */
function pendingApproval(sessionId: string) {
  return waitFor(
    async () => {
      const [approval] = await tether.engine.approvals.list({ status: "pending", sessionId });
      return approval;
    },
    { what: "a pending approval" },
  );
}

/** Interrupts the session and gives the seq of the interrupt queued for the agent. */
async function interruptSeq(sessionId: string): Promise<{ seq: number }> {
  await tether.engine.interrupt(sessionId, { kind: "cli" });
  return { seq: tether.engine.getSession(sessionId).last_seq };
}
