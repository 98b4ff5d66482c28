// A fake Web Push service (the part of Mozilla's autopush / Google's FCM a server talks to) on
// 127.0.0.1, and the browser side of each subscription. It checks what a real push service
// checks — the VAPID JWT (ES256 over the claims, signed by the key in `k`, aud = this origin,
// exp in the future and at most 24 h away) — and then does what the browser does: decrypts the
// aes128gcm body (RFC 8188 + RFC 8291) with the subscription's private key and auth secret.
// The decryption is written here from the RFCs, not taken from web-push, so it checks
// web-push's output independently.
import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  type ECDH,
  hkdfSync,
  randomBytes,
  verify,
} from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { waitFor } from "../helpers/wait.js";
import { type HttpFake, startHttpFake } from "./http.js";

export interface BrowserSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  subscription: string;
  /** The status the fake answered with. */
  status: number;
  /** Why it refused, when it did (bad JWT, fault injected…). */
  refused?: string;
  /** The VAPID public key the JWT was verified with (`k=`). */
  vapidKey?: string;
  claims?: { aud: string; exp: number; sub: string };
  headers: IncomingMessage["headers"];
  /** The decrypted payload, parsed as JSON. */
  payload?: unknown;
}

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  /** How many requests get it; every one when absent. */
  times?: number;
  /** Only requests for this subscription; every one when absent. */
  subscription?: string;
}

interface Browser {
  ecdh: ECDH;
  publicKey: Buffer;
  auth: Buffer;
}

export interface FakePushService extends HttpFake {
  /** When set, a JWT signed by any other key is refused with 403, as a real service does for a
   * subscription made with another applicationServerKey. */
  vapidPublicKey: string | undefined;
  /** A new browser subscription: its key pair and auth secret stay here, for decrypting. */
  subscribe(): BrowserSubscription;
  inject(fault: Fault): void;
  received: ReceivedPush[];
  /** The pushes delivered (2xx) to one subscription, in order. */
  delivered(subscription: string): ReceivedPush[];
  waitForDelivered(subscription: string, count: number): Promise<ReceivedPush[]>;
  waitForRequests(subscription: string, count: number): Promise<ReceivedPush[]>;
}

export async function startFakePushService(): Promise<FakePushService> {
  const browsers = new Map<string, Browser>();
  const faults: Fault[] = [];
  const received: ReceivedPush[] = [];
  let next = 0;

  const fake: FakePushService = {
    url: "",
    close: async () => {},
    vapidPublicKey: undefined,
    received,
    subscribe() {
      const id = `sub${++next}`;
      const ecdh = createECDH("prime256v1");
      const publicKey = ecdh.generateKeys();
      const auth = randomBytes(16);
      browsers.set(id, { ecdh, publicKey, auth });
      return {
        id,
        endpoint: `${fake.url}/push/${id}`,
        keys: { p256dh: publicKey.toString("base64url"), auth: auth.toString("base64url") },
      };
    },
    inject(fault) {
      faults.push({ ...fault });
    },
    delivered: (sub) => received.filter((r) => r.subscription === sub && r.status < 300),
    waitForDelivered: (sub, count) =>
      waitFor(() => fake.delivered(sub).length >= count && fake.delivered(sub), {
        what: () => `${count} push(es) delivered to ${sub}; got ${describe(received)}`,
      }),
    waitForRequests: (sub, count) =>
      waitFor(
        () => {
          const all = received.filter((r) => r.subscription === sub);
          return all.length >= count && all;
        },
        { what: () => `${count} push request(s) for ${sub}; got ${describe(received)}` },
      ),
  };

  const refuse = (res: ServerResponse, record: ReceivedPush, status: number, why: string) => {
    record.status = status;
    record.refused = why;
    received.push(record);
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: status, error: why }));
  };

  const http = await startHttpFake(async (req, res) => {
    const body = await readBytes(req);
    const id = /^\/push\/([\w-]+)$/.exec(req.url ?? "")?.[1];
    const browser = id ? browsers.get(id) : undefined;
    const record: ReceivedPush = { subscription: id ?? "?", status: 0, headers: req.headers };
    if (req.method !== "POST" || !id || !browser)
      return refuse(res, record, 404, "no such subscription");

    const fault = faults.find((f) => f.subscription === undefined || f.subscription === id);
    if (fault) {
      if (fault.times !== undefined && --fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      record.status = fault.status;
      record.refused = "fault injected";
      received.push(record);
      res.writeHead(fault.status, fault.headers ?? {});
      res.end();
      return;
    }

    if (req.headers.ttl === undefined) return refuse(res, record, 400, "no TTL header");
    if (req.headers["content-encoding"] !== "aes128gcm") {
      return refuse(res, record, 400, "Content-Encoding must be aes128gcm");
    }
    const vapid = checkVapid(req.headers.authorization, fake.url);
    if (typeof vapid === "string") return refuse(res, record, 401, vapid);
    record.vapidKey = vapid.key;
    record.claims = vapid.claims;
    if (fake.vapidPublicKey !== undefined && vapid.key !== fake.vapidPublicKey) {
      return refuse(res, record, 403, "VAPID key differs from the subscription's");
    }
    try {
      record.payload = JSON.parse(decryptAes128gcm(body, browser).toString("utf8"));
    } catch (error) {
      return refuse(res, record, 400, `cannot decrypt: ${(error as Error).message}`);
    }
    record.status = 201;
    received.push(record);
    res.writeHead(201, { location: `${fake.url}/message/${received.length}` });
    res.end();
  });
  fake.url = http.url;
  fake.close = http.close;
  return fake;
}

function describe(received: ReceivedPush[]): string {
  return JSON.stringify(received.map((r) => [r.subscription, r.status, r.refused]));
}

async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292), verified; or why not. */
function checkVapid(
  header: string | undefined,
  origin: string,
): { key: string; claims: { aud: string; exp: number; sub: string } } | string {
  const m = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+),\s*k=([\w-]+)$/.exec(header ?? "");
  if (!m) return "Authorization is not `vapid t=…, k=…`";
  const [, jwt, key] = m as unknown as [string, string, string];
  const [h, p, s] = jwt.split(".") as [string, string, string];
  const jose = JSON.parse(Buffer.from(h, "base64url").toString()) as { alg?: string };
  if (jose.alg !== "ES256") return `JWT alg is ${jose.alg}, not ES256`;
  const raw = Buffer.from(key, "base64url");
  if (raw.length !== 65 || raw[0] !== 4) return "k is not an uncompressed P-256 point";
  const publicKey = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: raw.subarray(1, 33).toString("base64url"),
      y: raw.subarray(33, 65).toString("base64url"),
    },
    format: "jwk",
  });
  const signed = verify(
    "sha256",
    Buffer.from(`${h}.${p}`),
    { key: publicKey, dsaEncoding: "ieee-p1363" },
    Buffer.from(s, "base64url"),
  );
  if (!signed) return "JWT signature does not verify with k";
  const claims = JSON.parse(Buffer.from(p, "base64url").toString()) as {
    aud: string;
    exp: number;
    sub: string;
  };
  if (claims.aud !== origin) return `aud is ${claims.aud}, not ${origin}`;
  const now = Date.now() / 1000;
  if (!(claims.exp > now && claims.exp <= now + 24 * 3600)) return "exp is not within 24 h";
  if (!/^(mailto:|https:)/.test(claims.sub ?? "")) return "sub is not mailto: or https:";
  return { key, claims };
}

/** RFC 8291 §3.4 key derivation and RFC 8188 decryption, for a one-record message. */
function decryptAes128gcm(body: Buffer, browser: Browser): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idLength = body[20]!;
  const serverKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (ciphertext.length > rs) throw new Error("more than one record");
  const shared = browser.ecdh.computeSecret(serverKey);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), browser.publicKey, serverKey]);
  const ikm = Buffer.from(hkdfSync("sha256", shared, browser.auth, keyInfo, 32));
  const cek = Buffer.from(
    hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16),
  );
  const nonce = Buffer.from(
    hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12),
  );
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(-16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, -16)), decipher.final()]);
  // The last record ends with a 0x02 delimiter followed by zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error("no last-record delimiter");
  return padded.subarray(0, end);
}
