// One line of `tether doctor`: what was checked, how it stands, and what to do about it.
export type CheckStatus = "ok" | "warn" | "fail";

export interface Check {
  name: string;
  status: CheckStatus;
  /** What was found, and for warn/fail what to do about it. */
  detail: string;
}

export const ok = (name: string, detail: string): Check => ({ name, status: "ok", detail });
export const warn = (name: string, detail: string): Check => ({ name, status: "warn", detail });
export const failed = (name: string, detail: string): Check => ({ name, status: "fail", detail });
