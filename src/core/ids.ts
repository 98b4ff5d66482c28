import { randomBytes } from "node:crypto";

// Ids are a prefix naming the kind plus 16 random base32 characters (80 bits), so a few leading
// characters are enough to pick a session out on the command line.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

export function newId(prefix: "sess" | "apr" | "inp"): string {
  const bytes = randomBytes(16);
  let out = `${prefix}_`;
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}
