// The engine is the only place that changes session state. Every change is staged into the
// current group-commit batch; callers get their answer once it is on disk, and subscribers see
// the events only after that.
import type { Bus } from "../bus/bus.js";
import { EXTERNAL_KIND, isTerminalKind } from "../shared/kinds.js";
import type {
  AgentMetadata,
  AgentStatus,
  EventData,
  EventType,
  OutputKind,
  Session,
  SessionState,
  TerminalProcess,
  Usage,
} from "../shared/schemas.js";
import { type Actor, actorLabel } from "./actor.js";
import { Approvals } from "./approvals.js";
import { GroupCommitter } from "./committer.js";
import { sessionNotFound, TetherError } from "./errors.js";
import { newId } from "./ids.js";
import type { Ledger, SessionWrite } from "./ledger.js";
import { assertTransition } from "./state-machine.js";
import {
  type Cursor,
  cursorKey,
  type EventPage,
  eventJson,
  type QueuedMessage,
  type Store,
  type StoredEvent,
  type Thread,
  threadKey,
  type WriteBatch,
} from "./store.js";

/** What a bridge saves about a session's thread; the engine stamps the time. */
export interface NewThread {
  session_id: string;
  platform: string;
  thread_id: string;
  data?: Record<string, unknown> | undefined;
}

export interface NewSession {
  name?: string | undefined;
  kind: string;
  agent?: AgentMetadata | undefined;
  directory?: string | null;
  platform?: string | null;
}

export interface EngineOptions {
  store: Store;
  bus: Bus;
  now?: () => Date;
  onStorageFailure?: (error: unknown) => void;
}

const ZERO_USAGE: Usage = { input_tokens: 0, output_tokens: 0, cost_usd: 0 };

export class Engine {
  private readonly store: Store;
  private readonly bus: Bus;
  private readonly now: () => Date;
  private readonly committer: GroupCommitter;
  private readonly sessions = new Map<string, Session>();
  /** Asking the human: every door asks, answers and withdraws through this. */
  readonly approvals: Approvals;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.now = options.now ?? (() => new Date());
    this.committer = new GroupCommitter(options.store, options.bus, (error) => {
      options.onStorageFailure?.(error);
      // Memory ran ahead of the disk; take the disk's word for it again.
      return this.init();
    });
    this.approvals = new Approvals(this.ledger(), options.store);
  }

  async init(): Promise<void> {
    const state = await this.store.load();
    this.sessions.clear();
    for (const s of state.sessions) this.sessions.set(s.id, s);
    this.approvals.load(state.pendingApprovals, state.rules);
  }

  /** Resolves once every change staged so far is on disk. */
  drain(): Promise<void> {
    return this.committer.drain();
  }

  // ---------- reading ----------

  listSessions(filter: { state?: SessionState; kind?: string } = {}): Session[] {
    const out: Session[] = [];
    for (const s of this.sessions.values()) {
      if (filter.state !== undefined && s.state !== filter.state) continue;
      if (filter.kind !== undefined && s.kind !== filter.kind) continue;
      out.push(s);
    }
    return out.sort((a, b) => (a.updated_at < b.updated_at ? 1 : -1));
  }

  /** A session by its full id only: what the External API accepts, so that an id is a
   * capability that cannot be guessed a few characters at a time. */
  getSessionById(id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw sessionNotFound(id);
    return session;
  }

  /** A session by id, or by a prefix of its id that matches exactly one session. */
  getSession(idOrPrefix: string): Session {
    const exact = this.sessions.get(idOrPrefix);
    if (exact) return exact;
    const matches = [...this.sessions.keys()].filter((id) => id.startsWith(idOrPrefix));
    if (matches.length === 1) return this.sessions.get(matches[0]!)!;
    if (matches.length > 1) {
      throw new TetherError(
        "ambiguous_id",
        `${idOrPrefix} matches ${matches.length} sessions; type more of the id`,
        { details: { matches: matches.slice(0, 10) } },
      );
    }
    throw sessionNotFound(idOrPrefix);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** A page of events after `afterSeq`: at most `limit`, cut once their data reaches
   * `maxChars` (see Store.readEvents). */
  readEvents(
    sessionId: string,
    afterSeq: number,
    limit: number,
    maxChars?: number,
  ): Promise<EventPage> {
    return this.store.readEvents(this.getSession(sessionId).id, afterSeq, limit, maxChars);
  }

  usage(): { total: Usage; sessions: { session_id: string; name: string; usage: Usage }[] } {
    const total = { ...ZERO_USAGE };
    const sessions = [];
    for (const s of this.sessions.values()) {
      total.input_tokens += s.usage.input_tokens;
      total.output_tokens += s.usage.output_tokens;
      total.cost_usd += s.usage.cost_usd;
      sessions.push({ session_id: s.id, name: s.name, usage: s.usage });
    }
    return { total, sessions };
  }

  // ---------- session lifecycle ----------

  async createSession(input: NewSession): Promise<Session> {
    const ts = this.timestamp();
    const agent: AgentMetadata = input.agent ?? {
      name: input.kind,
      type: input.kind,
      icon: null,
      workspace: input.directory ?? null,
    };
    const session: Session = {
      id: newId("sess"),
      name: input.name ?? agent.name,
      kind: input.kind,
      agent,
      directory: input.directory ?? agent.workspace ?? null,
      platform: input.platform ?? null,
      state: "created",
      error: null,
      last_seq: 0,
      agent_cursor: 0,
      agent_session_id: null,
      terminal: null,
      usage: { ...ZERO_USAGE },
      created_at: ts,
      updated_at: ts,
    };
    this.sessions.set(session.id, session);
    await this.stage(
      session,
      (batch) => {
        this.saveSession(batch, session);
        this.emit(batch, session, "state", { from: null, to: "created" });
      },
      () => this.sessions.delete(session.id),
    );
    return session;
  }

  async renameSession(id: string, name: string): Promise<Session> {
    const session = this.getSession(id);
    await this.stage(session, (batch) => {
      const from = session.name;
      session.name = name;
      this.saveSession(batch, session);
      this.emit(batch, session, "renamed", { from, to: name });
    });
    return session;
  }

  async deleteSession(id: string): Promise<void> {
    const session = this.getSession(id);
    this.sessions.delete(session.id);
    this.approvals.forgetSession(session.id);
    await this.stage(undefined, (batch) => {
      batch.deletedSessions.add(session.id);
    });
  }

  /** Moves a session to `to`, recording a `state` event. */
  async setState(id: string, to: SessionState, reason?: string): Promise<Session> {
    const session = this.getSession(id);
    await this.stage(session, (batch) => this.transition(batch, session, to, reason));
    return session;
  }

  // ---------- what the agent says ----------

  async appendOutput(
    id: string,
    output: { text: string; metadata: Record<string, unknown>; kind?: OutputKind | undefined },
  ): Promise<StoredEvent> {
    const session = this.live(id);
    let event!: StoredEvent;
    await this.stage(session, (batch) => {
      event = this.emit(batch, session, "output", {
        text: output.text,
        metadata: output.metadata,
        ...(output.kind ? { kind: output.kind } : {}),
      });
      this.startedBy(batch, session, "output");
    });
    return event;
  }

  /** Keeps the agent's own id for the session, to resume it after a restart. */
  async setAgentSessionId(id: string, agentSessionId: string): Promise<void> {
    const session = this.getSession(id);
    if (session.agent_session_id === agentSessionId) return;
    await this.stage(session, (batch) => {
      session.agent_session_id = agentSessionId;
      this.saveSession(batch, session);
    });
  }

  /** What the hooks of a terminal session tell of its process and transcript. */
  async setTerminal(id: string, terminal: TerminalProcess): Promise<void> {
    const session = this.getSession(id);
    if (JSON.stringify(session.terminal) === JSON.stringify(terminal)) return;
    await this.stage(session, (batch) => {
      session.terminal = terminal;
      this.saveSession(batch, session);
    });
  }

  /** An agent's status report: thinking/executing mean running, done means it waits for the
   * human, error means it failed. */
  async reportStatus(
    id: string,
    status: AgentStatus,
    message?: string,
  ): Promise<{ seq: number; state: SessionState }> {
    const session = this.live(id);
    // An agent still busy after an interrupt was asked for stays "interrupting".
    const to =
      session.state === "interrupting" && STATUS_STATE[status] === "running"
        ? "interrupting"
        : STATUS_STATE[status];
    assertTransition(session.state, to);
    // What this report did, taken when it was staged: by the time the commit answers, later
    // reports of the same session may have moved it on.
    let after!: { seq: number; state: SessionState };
    await this.stage(session, (batch) => {
      this.emit(batch, session, "status", { status, ...(message ? { message } : {}) });
      this.transition(batch, session, to, message);
      after = { seq: session.last_seq, state: session.state };
    });
    return after;
  }

  /** The agent's running totals: each count only ever goes up, so a total reported again (or a
   * resumed agent that starts counting afresh) never lowers what was recorded. */
  async recordUsageTotal(id: string, total: Usage): Promise<void> {
    const session = this.getSession(id);
    const before = session.usage;
    const after = {
      input_tokens: Math.max(before.input_tokens, total.input_tokens),
      output_tokens: Math.max(before.output_tokens, total.output_tokens),
      cost_usd: Math.max(before.cost_usd, total.cost_usd),
    };
    if (
      after.input_tokens === before.input_tokens &&
      after.output_tokens === before.output_tokens &&
      after.cost_usd === before.cost_usd
    ) {
      return;
    }
    await this.recordUsage(id, {
      input_tokens: after.input_tokens - before.input_tokens,
      output_tokens: after.output_tokens - before.output_tokens,
      cost_usd: after.cost_usd - before.cost_usd,
    });
  }

  async recordUsage(id: string, usage: Usage): Promise<void> {
    const session = this.live(id);
    await this.stage(session, (batch) => {
      session.usage = {
        input_tokens: session.usage.input_tokens + usage.input_tokens,
        output_tokens: session.usage.output_tokens + usage.output_tokens,
        cost_usd: session.usage.cost_usd + usage.cost_usd,
      };
      this.saveSession(batch, session);
      this.emit(batch, session, "usage", { ...usage, total: session.usage });
    });
  }

  // ---------- what the human says ----------

  /** What the human says to the agent: shown to everyone, and queued for the agent. */
  sendInput(id: string, input: { text: string; sender: Actor }): Promise<{ seq: number }> {
    return this.addInput(id, input, "queue");
  }

  /** A message the agent already has (typed in its own terminal): shown to everyone, not queued
   * for the agent, which would be handed it twice. */
  noteInput(id: string, input: { text: string; sender: Actor }): Promise<{ seq: number }> {
    return this.addInput(id, input, "shown");
  }

  private async addInput(
    id: string,
    input: { text: string; sender: Actor },
    to: "queue" | "shown",
  ): Promise<{ seq: number }> {
    const session = this.live(id);
    let seq = 0;
    await this.stage(session, (batch) => {
      const data = { text: input.text, timestamp: this.timestamp() };
      const event = this.emit(batch, session, "human_input", {
        ...data,
        sender: actorLabel(input.sender),
      });
      seq = event.seq;
      if (to === "queue") {
        batch.queued.push({ session_id: session.id, type: "human_input", seq, data });
      }
      // The agent had it (typed in its terminal), so it is working; a queued message wakes an
      // agent that waits, except a terminal session's, which runs again only once its Stop hook
      // hands the agent the message.
      const wakes =
        to === "shown"
          ? session.state !== "running"
          : session.state === "awaiting_input" && !isTerminalKind(session.kind);
      if (wakes) this.transition(batch, session, "running", "input");
    });
    return { seq };
  }

  async interrupt(id: string, by: Actor): Promise<Session> {
    const session = this.live(id);
    if (isTerminalKind(session.kind)) {
      // Its agent takes nothing from Tether mid-turn: only a hook's answer reaches it.
      throw new TetherError(
        "not_supported",
        "a session started in a terminal is interrupted at its terminal (Esc); Tether can answer its questions and reply at the end of its turn",
      );
    }
    const label = actorLabel(by);
    await this.stage(session, (batch) => {
      this.transition(batch, session, "interrupting", `interrupted by ${label}`);
      const data = { timestamp: this.timestamp() };
      const event = this.emit(batch, session, "interrupt", { ...data, by: label });
      batch.queued.push({ session_id: session.id, type: "interrupt", seq: event.seq, data });
    });
    return session;
  }

  // ---------- delivery to the agent ----------

  /** The agent's queued messages after `afterSeq` (or its acknowledged cursor, if further). */
  readQueue(id: string, afterSeq = 0, limit = 100): Promise<QueuedMessage[]> {
    const session = this.getSession(id);
    return this.store.readQueue(session.id, Math.max(afterSeq, session.agent_cursor), limit);
  }

  /** The agent has handled everything up to `seq`. */
  async acknowledge(id: string, seq: number): Promise<void> {
    const session = this.getSession(id);
    const cursor = Math.min(seq, session.last_seq);
    if (cursor <= session.agent_cursor) return;
    await this.stage(session, (batch) => {
      if (cursor <= session.agent_cursor) return;
      session.agent_cursor = cursor;
      this.saveSession(batch, session);
    });
  }

  // ---------- delivery cursors ----------

  /**
   * Every consumer's cursors by session id, as staged (a cursor whose commit is in flight
   * included), with the promise of that commit. Read from the disk once per consumer and then
   * kept, so a consumer that advances after every event costs one row in the next commit, never
   * a read. A failed commit drops the consumer's entry, so the disk's word is read again.
   */
  private readonly cursorBook = new Map<
    string,
    Promise<Map<string, { seq: number; onDisk: Promise<void> }>>
  >();

  /** How far `consumer` has delivered each session, as staged. A session it has delivered
   * nothing of has no cursor. */
  async readCursors(consumer: string): Promise<Cursor[]> {
    const book = await this.cursorsOf(consumer);
    const out: Cursor[] = [];
    for (const [sessionId, { seq }] of book) {
      if (this.sessions.has(sessionId)) out.push({ consumer, session_id: sessionId, seq });
      else book.delete(sessionId);
    }
    return out;
  }

  /**
   * Moves `consumer`'s cursor of a session forward to `seq` (clamped to the session's last
   * event); resolves once it is on disk. One that would not move forward writes nothing and
   * resolves once the cursor already staged is on disk.
   */
  async advanceCursor(consumer: string, sessionId: string, seq: number): Promise<void> {
    if (!Number.isSafeInteger(seq) || seq < 0) {
      throw new TetherError("bad_request", `a cursor is a seq number, got ${seq}`);
    }
    const book = await this.cursorsOf(consumer);
    // Looked up after the read: the session may have been deleted meanwhile.
    const session = this.getSessionById(sessionId);
    const to = Math.min(seq, session.last_seq);
    const staged = book.get(session.id);
    // A first cursor may be 0: it records that the consumer follows the session from its start.
    if (staged !== undefined && to <= staged.seq) return staged.onDisk;
    const onDisk = this.stage(undefined, (batch) => {
      batch.cursors.set(cursorKey(consumer, session.id), {
        consumer,
        session_id: session.id,
        seq: to,
      });
    });
    book.set(session.id, { seq: to, onDisk });
    onDisk.catch(() => this.cursorBook.delete(consumer));
    // Deleted sessions' cursors leave the book here (and in readCursors), not one by one.
    if (book.size > 2 * this.sessions.size + 64) {
      for (const id of book.keys()) if (!this.sessions.has(id)) book.delete(id);
    }
    return onDisk;
  }

  private cursorsOf(consumer: string) {
    let book = this.cursorBook.get(consumer);
    if (!book) {
      const onDisk = Promise.resolve();
      book = this.store
        .readCursors(consumer)
        .then((cursors) => new Map(cursors.map((c) => [c.session_id, { seq: c.seq, onDisk }])));
      this.cursorBook.set(consumer, book);
      book.catch(() => this.cursorBook.delete(consumer));
    }
    return book;
  }

  // ---------- chat-bridge threads ----------

  /** Every platform's threads by session id, as staged; read from the disk once per platform
   * and then kept (a failed commit drops the platform's entry, so the disk is read again). */
  private readonly threadBook = new Map<string, Promise<Map<string, Thread>>>();

  /** `platform`'s thread of a session, if it has one. Reads the disk once per platform. */
  async threadOf(sessionId: string, platform: string): Promise<Thread | undefined> {
    const book = await this.threadsOf(platform);
    const thread = book.get(sessionId);
    if (thread && !this.sessions.has(sessionId)) {
      book.delete(sessionId);
      return undefined;
    }
    return thread && copyThread(thread);
  }

  /** Every thread of `platform`, of sessions that exist. */
  async readThreads(platform: string): Promise<Thread[]> {
    const book = await this.threadsOf(platform);
    const out: Thread[] = [];
    for (const [sessionId, thread] of book) {
      if (this.sessions.has(sessionId)) out.push(copyThread(thread));
      else book.delete(sessionId);
    }
    return out;
  }

  /** Records (or replaces) a session's thread on a platform, with its bridge's data; resolves
   * once it is on disk, in the same group commit as everything else. */
  async saveThread(thread: NewThread): Promise<Thread> {
    const book = await this.threadsOf(thread.platform);
    // Looked up after the read: the session may have been deleted meanwhile.
    const session = this.getSessionById(thread.session_id);
    const saved: Thread = {
      session_id: session.id,
      platform: thread.platform,
      thread_id: thread.thread_id,
      data: thread.data ?? {},
      updated_at: this.timestamp(),
    };
    const previous = book.get(session.id);
    book.set(session.id, saved);
    const onDisk = this.stage(undefined, (batch) => {
      batch.threads.set(threadKey(saved.platform, session.id), copyThread(saved));
    });
    onDisk.catch(() => {
      if (book.get(session.id) === saved) {
        if (previous) book.set(session.id, previous);
        else book.delete(session.id);
      }
      this.threadBook.delete(thread.platform);
    });
    await onDisk;
    return copyThread(saved);
  }

  private threadsOf(platform: string) {
    let book = this.threadBook.get(platform);
    if (!book) {
      book = this.store
        .readThreads(platform)
        .then((threads) => new Map(threads.map((t) => [t.session_id, t])));
      this.threadBook.set(platform, book);
      book.catch(() => this.threadBook.delete(platform));
    }
    return book;
  }

  // ---------- internals ----------

  /** What approvals (core/approvals.ts) may do to a session's history. */
  private ledger(): Ledger {
    return {
      getSession: (id) => this.getSession(id),
      live: (id) => this.live(id),
      timestamp: () => this.timestamp(),
      readsQueue: (session) => session.kind === EXTERNAL_KIND,
      stage: (session, change, undo) =>
        this.stage(session, (batch) => change(this.writerFor(batch, session)), undo),
    };
  }

  private writerFor(batch: WriteBatch, session: Session): SessionWrite {
    return {
      emit: (type, data) => this.emit(batch, session, type, data),
      queue: (message) => batch.queued.push({ ...message, session_id: session.id }),
      saveApproval: (approval) => batch.approvals.set(approval.id, { ...approval }),
      addRule: (rule) => batch.rules.push(rule),
      startedBy: (what) => this.startedBy(batch, session, what),
    };
  }

  /**
   * Stages `change`; if it throws or builds something that cannot be stored, the session's
   * fields are put back as they were (so no seq is burned) and `undo` takes back the rest.
   */
  private stage(
    session: Session | undefined,
    change: (batch: WriteBatch) => void,
    undo?: () => void,
  ): Promise<void> {
    const before = session && { ...session, usage: { ...session.usage } };
    return this.committer.stage(change, () => {
      if (session && before) Object.assign(session, before);
      undo?.();
    });
  }

  /** An agent that sends output or asks for approval is at work, whether or not it ever reports
   * a status (the original External API never required one): a `created` session is running. */
  private startedBy(batch: WriteBatch, session: Session, what: string): void {
    if (session.state === "created") this.transition(batch, session, "running", `first ${what}`);
  }

  private live(id: string): Session {
    const session = this.getSession(id);
    if (session.state === "done") {
      throw new TetherError("session_ended", `session ${session.id} has ended`);
    }
    return session;
  }

  private timestamp(): string {
    return this.now().toISOString();
  }

  private saveSession(batch: WriteBatch, session: Session): void {
    session.updated_at = this.timestamp();
    batch.sessions.set(session.id, { ...session, usage: { ...session.usage } });
  }

  private transition(batch: WriteBatch, session: Session, to: SessionState, reason?: string) {
    const from = session.state;
    if (from === to) {
      // Failing anew while failed: no move to record, but the session's error is the newest.
      if (to === "error" && reason !== undefined && session.error !== reason) {
        session.error = reason;
        this.saveSession(batch, session);
      }
      return;
    }
    assertTransition(from, to);
    session.state = to;
    session.error = to === "error" ? (reason ?? "the agent reported an error") : null;
    this.saveSession(batch, session);
    this.emit(batch, session, "state", { from, to, ...(reason ? { reason } : {}) });
  }

  private emit<T extends EventType>(
    batch: WriteBatch,
    session: Session,
    type: T,
    data: EventData<T>,
  ): StoredEvent {
    const ts = this.timestamp();
    session.last_seq += 1;
    session.updated_at = ts;
    const head = { session_id: session.id, seq: session.last_seq, ts, type };
    // EventData<T> for this T is the data of the event of type T: TypeScript cannot see that a
    // generic T picks one member of the TetherEvent union.
    const event = { ...head, data, json: eventJson(head, JSON.stringify(data)) } as StoredEvent;
    batch.events.push(event);
    return event;
  }
}

function copyThread(t: Thread): Thread {
  return { ...t, data: structuredClone(t.data) };
}

const STATUS_STATE: Record<AgentStatus, SessionState> = {
  thinking: "running",
  executing: "running",
  done: "awaiting_input",
  error: "error",
};
