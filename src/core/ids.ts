import { randomFillSync } from "node:crypto";

// Ids are a prefix naming the kind plus 16 random base32 characters (80 bits), so a few leading
// characters are enough to pick a session out on the command line.
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const ID_BYTES = 16;

// One call into the CSPRNG per 256 ids instead of per id: it showed up in the approval profile.
const pool = Buffer.alloc(ID_BYTES * 256);
let used = pool.length;

export function newId(prefix: "sess" | "apr" | "inp" | "rule"): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  let out = `${prefix}_`;
  for (let i = used; i < used + ID_BYTES; i++) out += ALPHABET[pool[i]! & 31];
  used += ID_BYTES;
  return out;
}
