// The layout's promises about imports, checked on the source (src/**/*.ts): core stays free of
// I/O libraries and of the parts built on it; each agent and platform SDK stays in its own
// folder; Fastify stays in the server. See import-rules.ts for the rules.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importsOf, RULES, violations } from "./import-rules.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Every .ts file under src/, as a path from the repository root. */
function sourceFiles(): string[] {
  return readdirSync(`${ROOT}src`, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `src/${f.split("\\").join("/")}`)
    .sort();
}

const read = (file: string) => readFileSync(`${ROOT}${file}`, "utf8");

describe("imports in src/", () => {
  it("keep every rule", () => {
    const files = sourceFiles();
    const found = files.flatMap((file) => violations(file, read(file)));
    expect(
      found.map((v) => `${v.file} imports ${v.specifier}: ${v.why}`),
      "imports that break the layout",
    ).toEqual([]);
  });

  it("are all seen: the scan reads the real tree and finds imports known to be there", () => {
    const files = sourceFiles();
    expect(files).toContain("src/core/engine.ts");
    expect(files).toContain("src/adapters/claude/run.ts");
    expect(files.length).toBeGreaterThan(50);
    expect(importsOf(read("src/server/app.ts"))).toContain("fastify");
    expect(importsOf(read("src/adapters/claude/run.ts"))).toContain(
      "@anthropic-ai/claude-agent-sdk",
    );
    expect(importsOf(read("src/db/sql-store.ts"))).toContain("kysely");
  });
});

describe("the import rules", () => {
  const flagged = (file: string, source: string) => violations(file, source).map((v) => v.why);

  it("flag each kind of import of a forbidden library in core", () => {
    const sources = [
      `import Fastify from "fastify";`,
      `import type { FastifyInstance } from "fastify";`,
      `import websocket from "@fastify/websocket";`,
      `import { WebSocket } from "ws";`,
      `import Database from "better-sqlite3";`,
      `import {\n  type Kysely,\n  sql,\n} from "kysely";`,
      `import { readFileSync } from "node:fs";`,
      `import { readFile } from "node:fs/promises";`,
      `import fs from "fs";`,
      `import "node:net";`,
      `export { createServer } from "node:http";`,
      `const http = await import("node:http");`,
    ];
    for (const source of sources) {
      expect(flagged("src/core/engine.ts", source), source).toContain(RULES[0]!.why);
    }
  });

  it("flag core reaching into the parts built on it, but not into bus or shared", () => {
    expect(flagged("src/core/engine.ts", `import { x } from "../db/sql-store.js";`)).toEqual([
      RULES[1]!.why,
    ]);
    expect(
      flagged("src/core/engine.ts", `import type { Actor } from "../server/actor.js";`),
    ).toEqual([RULES[1]!.why]);
    expect(flagged("src/core/engine.ts", `import type { Bus } from "../bus/bus.js";`)).toEqual([]);
    expect(
      flagged("src/core/engine.ts", `import { Approval } from "../shared/schemas.js";`),
    ).toEqual([]);
    expect(flagged("src/core/engine.ts", `import { newId } from "./ids.js";`)).toEqual([]);
    expect(flagged("src/core/engine.ts", `import { randomFillSync } from "node:crypto";`)).toEqual(
      [],
    );
  });

  it("keep each SDK in its folder", () => {
    const cases: [file: string, source: string, allowed: boolean][] = [
      [
        "src/adapters/claude/run.ts",
        `import { query } from "@anthropic-ai/claude-agent-sdk";`,
        true,
      ],
      [
        "src/adapters/codex/run.ts",
        `import { query } from "@anthropic-ai/claude-agent-sdk";`,
        false,
      ],
      ["src/daemon.ts", `const sdk = await import("@anthropic-ai/claude-agent-sdk");`, false],
      ["src/adapters/codex/binary.ts", `import "@openai/codex";`, true],
      ["src/adapters/permissions.ts", `export * from "@openai/codex-sdk";`, false],
      ["src/bridges/telegram/bot.ts", `import { Bot } from "grammy";`, true],
      ["src/bridges/slack/app.ts", `import { Bot } from "grammy";`, false],
      ["src/bridges/slack/app.ts", `import { App } from "@slack/bolt";`, true],
      ["src/bridges/discord/client.ts", `import { WebClient } from "@slack/web-api";`, false],
      ["src/bridges/discord/client.ts", `import { Client } from "discord.js";`, true],
      ["src/server/app.ts", `import { REST } from "@discordjs/rest";`, false],
      ["src/server/app.ts", `import Fastify from "fastify";`, true],
      ["src/server/routes/x.ts", `import type { FastifyReply } from "fastify";`, true],
      ["src/daemon.ts", `import Fastify from "fastify";`, false],
      ["src/notify/web-push-channel.ts", `import cors from "@fastify/cors";`, false],
      ["src/mcp/http.ts", `import type { X } from "fastify-type-provider-zod";`, false],
    ];
    for (const [file, source, allowed] of cases) {
      expect(flagged(file, source).length === 0, `${file}: ${source}`).toBe(allowed);
    }
  });

  it("keep notify off the database: it has the Store", () => {
    const notifyRule = RULES.find((r) => r.why.startsWith("src/notify/"))!.why;
    const cases: [file: string, source: string, allowed: boolean][] = [
      [
        "src/notify/notifications.ts",
        `import { upsertPushSubscription } from "../db/repos/push-subscriptions.js";`,
        false,
      ],
      ["src/notify/web-push-channel.ts", `import type { Database } from "../db/schema.js";`, false],
      ["src/notify/web-push-channel.ts", `import type { Kysely } from "kysely";`, false],
      [
        "src/notify/notifications.ts",
        `import type { PushSubscriptionStore } from "../core/store.js";`,
        true,
      ],
      ["src/daemon.ts", `import { SqlStore } from "./db/sql-store.js";`, true],
      ["src/server/routes/push.ts", `import type { X } from "../../db/schema.js";`, true],
    ];
    for (const [file, source, allowed] of cases) {
      const found = flagged(file, source);
      expect(found.length === 0, `${file}: ${source}`).toBe(allowed);
      if (!allowed) expect(found).toContain(notifyRule);
    }
  });

  it("ignore import-like text that is not an import", () => {
    const source = [
      `// import Fastify from "fastify";`,
      `const text = 'import { Bot } from "grammy"';`,
      `/* await import("ws") */`,
    ].join("\n");
    expect(flagged("src/core/engine.ts", source)).toEqual([]);
  });
});
