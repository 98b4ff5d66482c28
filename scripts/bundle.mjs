// Bundles the CLI for running: dist/bundle/tether.js (what `bin.tether` points at), the chunks it
// loads on demand (the daemon for `tether start`, the client for the other commands), and the
// checkpoint worker. Loading a few files instead of hundreds of modules, each resolved, read and
// linked, is most of what gets `tether start` under its 0.3 s budget (DESIGN.md §9).
import { readFileSync, rmSync } from "node:fs";
import { build } from "esbuild";

const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

// Chunk names change with their contents: start clean so no stale chunk is left to ship.
rmSync(new URL("../dist/bundle", import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: {
    tether: "src/cli/main.ts",
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
  // Less source for V8 to parse at every start; names are kept, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  define: { TETHER_BUILD_VERSION: JSON.stringify(version) },
  // better-sqlite3 loads a native addon; swagger-ui serves files from its own package folder.
  external: [
    "better-sqlite3",
    "@fastify/swagger-ui",
    // Fastify's default schema compilers (and ajv behind them), which it loads only when not given
    // its compilers (src/server/schema-compilers.ts): left out, V8 has a third less to parse.
    "@fastify/ajv-compiler",
    "@fastify/fast-json-stringify-compiler",
  ],
  // Bundled CommonJS packages call require(), which an ES module lacks unless given one.
  banner: {
    js: 'import { createRequire as __tetherCreateRequire } from "node:module";\nconst require = __tetherCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
});
