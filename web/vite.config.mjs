// Builds the web app into dist/web, where the daemon serves it (src/server/web.ts).
import { fileURLToPath } from "node:url";
import vue from "@vitejs/plugin-vue";
import { defineConfig } from "vite";
import { iconFiles } from "./build/icons.mjs";

/** Emits the app's icons, drawn by code at build time rather than kept as binary files. */
const icons = {
  name: "tether-icons",
  generateBundle() {
    for (const [fileName, source] of iconFiles())
      this.emitFile({ type: "asset", fileName, source });
  },
};

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [vue(), icons],
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    // The daemon marks everything under assets/ immutable: their names carry a content hash.
    assetsDir: "assets",
    sourcemap: true,
    reportCompressedSize: true,
  },
});
