// The OpenAPI document is generated from the same zod schemas that validate requests, so every
// HTTP route appears in it with its request schema.
import { afterAll, beforeAll, expect, it } from "vitest";
import { WEB_ROUTES } from "../../dist/server/web.js";
import { startTestDaemon, type TestDaemon } from "../helpers/daemon.js";

let t: TestDaemon;
beforeAll(async () => {
  t = await startTestDaemon({ token: "openapi-token-0123456789abcdef0123456789" });
});
afterAll(() => t.close());

it("documents every HTTP route with its schemas", async () => {
  const res = await t.api("GET", "/api/openapi.json");
  expect(res.status).toBe(200);
  expect(res.body.openapi).toMatch(/^3\./);
  const paths = res.body.paths as Record<string, Record<string, unknown>>;
  // WebSocket routes are described in the README; OpenAPI has no words for them.
  // The web app's files are not API routes either (src/server/web.ts).
  const documented = t.daemon.routes.filter(
    (r) => !r.websocket && !r.url.startsWith("/api/docs") && !WEB_ROUTES.has(r.url),
  );
  expect(documented.length).toBeGreaterThan(15);
  for (const route of documented) {
    const path = route.url.replace(/:(\w+)/g, "{$1}");
    expect(paths[path], `${route.method} ${route.url} in the OpenAPI document`).toBeDefined();
    expect(paths[path]?.[route.method.toLowerCase()], `${route.method} ${path}`).toBeDefined();
  }
  const create = paths["/external/sessions"]?.post as {
    requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> };
  };
  expect(Object.keys(create.requestBody.content["application/json"]!.schema.properties)).toEqual(
    expect.arrayContaining(["agent_metadata", "session_name", "platform"]),
  );
});

it("answers a plain GET on a WebSocket route with 426 and a clear error", async () => {
  const res = await t.api("GET", "/api/ws");
  expect(res.status).toBe(426);
  expect(res.body.error.code).toBe("upgrade_required");
});

// The docs page (swagger-ui) loads on its first request, not at start-up (src/server/docs.ts);
// these are the first requests for it in this daemon.
it("serves a docs page, with and without the trailing slash", async () => {
  const auth = { authorization: "Bearer openapi-token-0123456789abcdef0123456789" };
  const [slash, bare] = await Promise.all([
    fetch(`${t.url}/api/docs/`, { headers: auth }),
    fetch(`${t.url}/api/docs`, { headers: auth }),
  ]);
  for (const res of [slash, bare]) {
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toContain("<html");
  }
});

it("serves the docs page's assets and the document it shows", async () => {
  const css = await t.api("GET", "/api/docs/static/swagger-ui.css");
  expect(css.status).toBe(200);
  expect(css.text.length).toBeGreaterThan(10_000);
  const json = await t.api("GET", "/api/docs/json");
  expect(json.status).toBe(200);
  expect(json.body).toEqual((await t.api("GET", "/api/openapi.json")).body);
  const yaml = await t.api("GET", "/api/docs/yaml");
  expect(yaml.status).toBe(200);
  expect(yaml.text).toMatch(/^openapi: 3\./m);
});

it("answers a missing docs asset with the usual error body", async () => {
  const res = await t.api("GET", "/api/docs/static/no-such-file.js");
  expect(res.status).toBe(404);
  const elsewhere = await t.api("GET", "/api/no-such-route");
  expect(res.body.error.code).toBe(elsewhere.body.error.code);
});
