// What a browser sees when it opens the API docs (the link `tether start` prints) before it is
// paired: a page saying how to pair, not a raw JSON 401. The docs stay behind the credential;
// this page holds nothing but the advice, and only a browser's page load gets it.
import type { FastifyRequest } from "fastify";
import { DOCS_PREFIX } from "./docs.js";

export const PAIR_FIRST_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tether: pair this browser first</title></head>
<body>
<h1>Pair this browser first</h1>
<p>The API docs need Tether's token. Open the pairing link that <code>tether start</code>
showed on its terminal (or run <code>tether pair</code> to see it again) in this browser, then
reload this page.</p>
<p>Scripts and agents send <code>Authorization: Bearer &lt;token&gt;</code> instead; the token is
in <code>~/.config/tether/token</code>.</p>
</body>
</html>
`;

/** A browser loading a docs page (not a script asking for JSON, nor a file the page loads). */
export function wantsPairFirstPage(req: FastifyRequest): boolean {
  const url = req.routeOptions.url ?? "";
  if (req.method !== "GET" || !(url === DOCS_PREFIX || url.startsWith(`${DOCS_PREFIX}/`))) {
    return false;
  }
  return /\btext\/html\b/.test(String(req.headers.accept ?? ""));
}
