// The floor: a bare `ws` relay speaking the same approval messages as the daemon, with no
// persistence, no validation and no framework. Runs as its own process; prints its URL to stderr.
import { createServer } from "node:http";
import { type WebSocket, WebSocketServer } from "ws";

interface Pending {
  agent: WebSocket;
  sessionId: string;
  approval: Record<string, unknown>;
}

const agents = new Map<string, WebSocket>();
const inbox = new Set<WebSocket>();
const pending = new Map<string, Pending>();
const lastSeq = new Map<string, number>();
let approvals = 0;

const nextSeq = (sessionId: string) => {
  const seq = (lastSeq.get(sessionId) ?? 0) + 1;
  lastSeq.set(sessionId, seq);
  return seq;
};

function broadcast(sessionId: string, seq: number, type: string, data: unknown) {
  const text = JSON.stringify({
    type: "event",
    data: { session_id: sessionId, seq, ts: new Date().toISOString(), type, data },
  });
  for (const viewer of inbox) viewer.send(text);
}

function onAgentMessage(agent: WebSocket, sessionId: string, raw: string) {
  const msg = JSON.parse(raw);
  if (msg.type !== "approval_request") return;
  const seq = nextSeq(sessionId);
  const id = `apr_${++approvals}`;
  const approval = {
    id,
    session_id: sessionId,
    seq,
    ...msg.data,
    status: "pending",
    created_at: new Date().toISOString(),
  };
  pending.set(id, { agent, sessionId, approval });
  broadcast(sessionId, seq, "approval_request", approval);
  agent.send(
    JSON.stringify({
      type: "ack",
      id: msg.id,
      data: { for: "approval_request", seq, request_id: id },
    }),
  );
}

function onViewerMessage(viewer: WebSocket, raw: string) {
  const msg = JSON.parse(raw);
  if (msg.type !== "resolve") return;
  const entry = pending.get(msg.data.approval_id);
  if (!entry) {
    viewer.send(JSON.stringify({ type: "error", id: msg.id, error: "not_found" }));
    return;
  }
  pending.delete(msg.data.approval_id);
  const timestamp = new Date().toISOString();
  const response = {
    request_id: msg.data.approval_id,
    option: msg.data.option,
    decided_by: msg.data.decided_by,
    timestamp,
  };
  const seq = nextSeq(entry.sessionId);
  broadcast(entry.sessionId, seq, "approval_resolved", response);
  entry.agent.send(JSON.stringify({ type: "approval_response", seq, data: response }));
  const resolved = {
    ...entry.approval,
    status: "resolved",
    decision: msg.data.option,
    decided_by: msg.data.decided_by,
    resolved_at: timestamp,
  };
  viewer.send(JSON.stringify({ type: "result", id: msg.id, data: resolved }));
}

const server = createServer((req, res) => {
  res.writeHead(req.url === "/api/health" ? 200 : 404, { "content-type": "application/json" });
  res.end('{"status":"ok"}');
});
const wss = new WebSocketServer({ server });
wss.on("connection", (ws, req) => {
  const path = (req.url ?? "").split("?")[0]!;
  const agentPath = /^\/external\/sessions\/([^/]+)\/ws$/.exec(path);
  if (agentPath) {
    const sessionId = agentPath[1]!;
    agents.set(sessionId, ws);
    ws.on("message", (raw) => onAgentMessage(ws, sessionId, raw.toString()));
    ws.on("close", () => agents.delete(sessionId));
  } else if (path === "/api/ws") {
    inbox.add(ws);
    ws.on("message", (raw) => onViewerMessage(ws, raw.toString()));
    ws.on("close", () => inbox.delete(ws));
    ws.send(JSON.stringify({ type: "snapshot", data: { sessions: [], approvals: [] } }));
  } else {
    ws.close(4404, "unknown path");
  }
});
server.listen(Number(process.env.RELAY_PORT ?? 0), "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  process.stderr.write(`relay http://127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
