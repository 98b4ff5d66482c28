// Which module may import which library: the layout's promises, checked. Each rule names the
// specifiers it is about and the folders allowed to import them (or, for core, the folder that
// must never import them). Imports are read with the TypeScript compiler's own pre-processor,
// so static imports, `import type`, `export … from`, side-effect imports and dynamic
// `import("…")` are all seen, however they are laid out.
import { posix } from "node:path";
import ts from "typescript";

export interface ImportRule {
  /** What the rule protects, for the failure message. */
  why: string;
  /** The specifiers the rule is about. */
  matches(specifier: string): boolean;
  /** True when `file` (a path from the repository root, e.g. `src/core/engine.ts`) may import
   * what the rule matches. */
  allowedIn(file: string): boolean;
}

export interface Violation {
  file: string;
  specifier: string;
  why: string;
}

const under = (folder: string) => (file: string) => file.startsWith(folder);
const not = (inside: (file: string) => boolean) => (file: string) => !inside(file);
const named =
  (...patterns: RegExp[]) =>
  (specifier: string) =>
    patterns.some((p) => p.test(specifier));

/** Core may not reach a server, a database, a socket or the file system: it is the logic the
 * doors share, and the PostgreSQL store and in-memory fakes must be able to stand under it. */
const IO_LIBRARIES = named(
  /^fastify($|[/-])/,
  /^@fastify\//,
  /^ws$/,
  /^better-sqlite3$/,
  /^kysely($|\/)/,
  /^(node:)?(fs|net|http|https|http2|dgram|tls)($|\/)/,
);

/** Our own folders core may not import from, for the same reason (src/… relative paths). */
const OUTER_FOLDERS = named(
  /^src\/(db|server|adapters|bridges|notify|mcp|cli|client|config)\//,
  /^src\/daemon\.ts$/,
);

export const RULES: readonly ImportRule[] = [
  {
    why: "src/core/ imports no server, database, socket or file-system library",
    matches: IO_LIBRARIES,
    allowedIn: not(under("src/core/")),
  },
  {
    why: "src/core/ imports nothing from the parts built on it (db, server, adapters, …)",
    matches: OUTER_FOLDERS,
    allowedIn: not(under("src/core/")),
  },
  {
    why: "the Claude Agent SDK is imported only in src/adapters/claude/",
    matches: named(/^@anthropic-ai\/claude-agent-sdk($|\/)/),
    allowedIn: under("src/adapters/claude/"),
  },
  {
    why: "Codex packages are imported only in src/adapters/codex/",
    matches: named(/^@openai\/codex/),
    allowedIn: under("src/adapters/codex/"),
  },
  {
    why: "grammY (Telegram) is imported only in src/bridges/telegram/",
    matches: named(/^grammy($|\/)/, /^@grammyjs\//),
    allowedIn: under("src/bridges/telegram/"),
  },
  {
    why: "Slack SDKs are imported only in src/bridges/slack/",
    matches: named(/^@slack\//),
    allowedIn: under("src/bridges/slack/"),
  },
  {
    why: "Discord's libraries and API types are imported only in src/bridges/discord/",
    matches: named(/^discord\.js($|\/)/, /^@discordjs\//, /^discord-api-types($|\/)/),
    allowedIn: under("src/bridges/discord/"),
  },
  {
    why: "Fastify and its plugins are imported only in src/server/",
    matches: named(/^fastify($|[/-])/, /^@fastify\//),
    allowedIn: under("src/server/"),
  },
  {
    why: "src/notify/ keeps its data through the Store (core/store.ts), never src/db/ or a database library",
    matches: named(/^src\/db\//, /^better-sqlite3$/, /^kysely($|\/)/),
    allowedIn: not(under("src/notify/")),
  },
];

/** Every module specifier `source` imports or re-exports, in order. */
export function importsOf(source: string): string[] {
  const info = ts.preProcessFile(source, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** A relative specifier as a path from the repository root (`../db/x.js` from
 * `src/core/engine.ts` → `src/db/x.ts`); a package name as it is. */
export function resolved(file: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  return posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, ".ts");
}

/** What in `source` (the text of `file`) breaks a rule. */
export function violations(
  file: string,
  source: string,
  rules: readonly ImportRule[] = RULES,
): Violation[] {
  const out: Violation[] = [];
  for (const specifier of importsOf(source)) {
    const target = resolved(file, specifier);
    for (const rule of rules) {
      if (rule.matches(target) && !rule.allowedIn(file)) {
        out.push({ file, specifier, why: rule.why });
      }
    }
  }
  return out;
}
