import { createRequire } from "node:module";

// The bundle (scripts/bundle.mjs) has the version written in at build time, because the bundle's
// own location says nothing reliable about where package.json is. The tsc build in dist/ reads it.
declare const TETHER_BUILD_VERSION: string | undefined;

const readPackageVersion = (): string =>
  (createRequire(import.meta.url)("../package.json") as { version: string }).version;

export const VERSION: string =
  typeof TETHER_BUILD_VERSION === "string" ? TETHER_BUILD_VERSION : readPackageVersion();
