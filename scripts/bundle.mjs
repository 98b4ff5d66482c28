// Bundles the CLI for running: dist/bundle/tether.js (what `bin.tether` points at), the chunks it
// loads on demand (the daemon for `tether start`, the client for the other commands), and the
// checkpoint worker. Loading a few files instead of hundreds of modules, each resolved, read and
// linked, is most of what gets `tether start` under its 0.3 s budget (DESIGN.md §9).
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

/**
 * zod re-exports every one of its locales (~290 KB, a sixth of what `tether start` parses) as
 * `z.locales`. Tether uses only English, which zod sets up itself, so the bundle gets a locales
 * index with English alone.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? { path: "zod-locales", namespace: "zod-english-only" }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-english-only" }, () => ({
      contents: 'export { default as en } from "zod/v4/locales/en.js";',
      resolveDir: fileURLToPath(new URL("..", import.meta.url)),
    }));
  },
};

// Chunk names change with their contents: start clean so no stale chunk is left to ship.
rmSync(new URL("../dist/bundle", import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: {
    tether: "src/cli/main.ts",
    // `bin.tether-mcp`; its shebang, like tether.js's, is the first line of its entry.
    "tether-mcp": "src/mcp/stdio.ts",
    // Beside the chunks, where src/db/sqlite.ts looks for it (`./checkpoint-worker.js`).
    "checkpoint-worker": "src/db/checkpoint-worker.ts",
  },
  outdir: "dist/bundle",
  chunkNames: "chunk-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Less source for V8 to parse at every start. Identifiers are not minified, so a stack trace
  // still names every function, and no source maps are made: nothing would load them, and the
  // package ships without them.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: false,
  define: { TETHER_BUILD_VERSION: JSON.stringify(version) },
  // Everything else is in the bundle, so these are all the published package installs: its
  // `dependencies` (and the optional agent SDKs), while what is bundled is a devDependency.
  // test/e2e/package.test.ts runs the packed package to catch one missing.
  // better-sqlite3 loads a native addon; swagger-ui serves files from its own package folder.
  external: [
    // Agent SDKs find the agent binaries they ship beside their own files; loaded on first use.
    "@anthropic-ai/claude-agent-sdk",
    "@openai/codex",
    "better-sqlite3",
    "@fastify/swagger-ui",
    // The Telegram bridge's SDK, loaded only when TELEGRAM_BOT_TOKEN is set.
    "grammy",
    "@grammyjs/auto-retry",
    // The Slack bridge's SDK, loaded only when SLACK_BOT_TOKEN is set.
    "@slack/bolt",
    // The Discord bridge's libraries, loaded only when DISCORD_BOT_TOKEN is set.
    "@discordjs/core",
    "@discordjs/rest",
    "@discordjs/ws",
    // Fastify's default schema compilers (and ajv behind them), which it loads only when not given
    // its compilers (src/server/schema-compilers.ts): left out, V8 has a third less to parse.
    "@fastify/ajv-compiler",
    "@fastify/fast-json-stringify-compiler",
  ],
  // Bundled CommonJS packages call require(), which an ES module lacks unless given one.
  banner: {
    js: 'import { createRequire as __tetherCreateRequire } from "node:module";\nconst require = __tetherCreateRequire(import.meta.url);',
  },
  plugins: [zodEnglishOnly],
  logLevel: "warning",
});

// Executable like npm makes `bin` entries on install, so a PATH entry pointing here runs them.
for (const bin of ["tether.js", "tether-mcp.js"]) {
  chmodSync(new URL(`../dist/bundle/${bin}`, import.meta.url), 0o755);
}
