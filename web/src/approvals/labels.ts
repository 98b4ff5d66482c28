// Words on an approval card.

const PAST: Record<string, string> = {
  approve: "Approved",
  reject: "Rejected",
  allow: "Allowed",
  deny: "Denied",
  accept: "Accepted",
  decline: "Declined",
};

/** What a held answer says it did: "Approved", "Denied", else the option's own name. */
export function chosenLabel(option: string): string {
  return PAST[option.toLowerCase()] ?? option;
}

/** A directory short enough for one line of a phone: its last two parts when long. */
export function shortDirectory(directory: string, max = 32): string {
  if (directory.length <= max) return directory;
  const parts = directory.split(/[\\/]/).filter(Boolean);
  const tail = parts.slice(-2).join("/");
  return tail.length + 2 <= directory.length ? `…/${tail}` : directory;
}

/** "src/auth/login.ts" → { dir: "src/auth/", name: "login.ts" }, for a file name in bold. */
export function splitPath(path: string): { dir: string; name: string } {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1;
  return { dir: path.slice(0, cut), name: path.slice(cut) };
}
