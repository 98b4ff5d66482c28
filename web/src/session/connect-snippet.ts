// The shell lines that connect an agent to Tether over the External Agent API, as the app shows
// them to copy: for a new session (the first-run inbox), or for one made with "New → External
// agent" (its page). Never with the token itself: the lines read it where Tether keeps it.

/** The first two lines of every snippet: where Tether is, and the credential header. */
function preamble(origin: string): string[] {
  return [
    `TETHER_URL=${origin}`,
    `H="authorization: Bearer \${TETHER_AGENT_TOKEN:-$(cat ~/.config/tether/token)}"`,
  ];
}

const JSON_TYPE = "-H 'content-type: application/json'";

export function newSessionSnippet(origin: string): string {
  return [
    ...preamble(origin),
    "# Open a session; the reply's session_id is where the agent writes",
    `curl -s "$TETHER_URL/external/sessions" -H "$H" ${JSON_TYPE} \\`,
    `  -d '{"session_name":"my agent","agent_metadata":{"name":"my-agent","type":"custom"}}'`,
  ].join("\n");
}

export function sessionSnippet(origin: string, sessionId: string): string {
  const at = `"$TETHER_URL/external/sessions/${sessionId}`;
  return [
    ...preamble(origin),
    "# Say what the agent is doing",
    `curl -s ${at}/output" -H "$H" ${JSON_TYPE} -d '{"text":"Hello from my agent"}'`,
    "# Ask before something risky",
    `curl -s ${at}/approval" -H "$H" ${JSON_TYPE} -d '{"title":"Run the migration?"}'`,
    "# Wait (up to 30 s a call) for the answer or your next message",
    `curl -s ${at}/input?timeout=30" -H "$H"`,
  ].join("\n");
}
