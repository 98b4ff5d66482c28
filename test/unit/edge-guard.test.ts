// The edge's pure parts: the wrong-credential bucket (on an injected clock), client keys, the
// names and origins that are ours, and the device credential.
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { makeDeviceCredentials } from "../../dist/server/device-credential.js";
import { makeSite, parseHost } from "../../dist/server/guard/site.js";
import {
  BURST,
  clientKey,
  FailureThrottle,
  REFILL_PER_S,
} from "../../dist/server/guard/throttle.js";

describe("FailureThrottle", () => {
  it("lets a burst of failures through, then asks to wait until the bucket refills", () => {
    let now = 0;
    const throttle = new FailureThrottle(() => now);
    for (let i = 0; i < BURST; i++) {
      expect(throttle.retryAfterS("a")).toBe(0);
      throttle.fail("a");
    }
    expect(throttle.retryAfterS("a")).toBe(1);
    expect(throttle.retryAfterS("b")).toBe(0); // per client
    now += 1000 / REFILL_PER_S; // one failure's worth
    expect(throttle.retryAfterS("a")).toBe(0);
    throttle.fail("a");
    expect(throttle.retryAfterS("a")).toBe(1);
    now += (BURST * 1000) / REFILL_PER_S; // refilled: forgotten
    expect(throttle.retryAfterS("a")).toBe(0);
  });

  it("keys IPv4 by address and IPv6 by its /64", () => {
    expect(clientKey("::ffff:10.0.0.7")).toBe("10.0.0.7");
    expect(clientKey("2001:db8:1:2::5")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(clientKey("::1")).toBe("0:0:0:0::/64");
  });
});

const req = (host: string, local = "127.0.0.1", port = 8787) =>
  ({
    headers: { host },
    socket: { localAddress: local, localPort: port },
  }) as unknown as IncomingMessage;

describe("site", () => {
  it("parses Host headers", () => {
    expect(parseHost("LocalHost.:8787")).toEqual({ name: "localhost", port: "8787" });
    expect(parseHost("[::1]:80")).toEqual({ name: "[::1]", port: "80" });
    expect(parseHost("a@b:1")).toBeUndefined();
    expect(parseHost("a:b:c")).toBeUndefined();
  });

  it("answers to loopback, its bound address, the public URL's host and the allowed hosts", () => {
    const site = makeSite({
      bindHost: "10.1.2.3",
      publicUrl: "https://tether.example.com",
      allowedHosts: ["tether.lan"],
    });
    const r = req("x");
    for (const host of [
      "localhost",
      "127.9.9.9:1",
      "[::1]:8787",
      "10.1.2.3:8787",
      "tether.example.com",
      "TETHER.LAN:8787",
    ])
      expect(site.hostAllowed(host, r), host).toBe(true);
    for (const host of ["evil.example", "10.1.2.4", "localhost.evil.example", "", "0.0.0.0"])
      expect(site.hostAllowed(host, r), host).toBe(false);
  });

  it("bound to every interface, answers to the address a connection arrived on", () => {
    const site = makeSite({ bindHost: "0.0.0.0" });
    expect(site.hostAllowed("192.168.1.5:8787", req("", "192.168.1.5"))).toBe(true);
    expect(site.hostAllowed("192.168.1.5:8787", req("", "::ffff:192.168.1.5"))).toBe(true);
    expect(site.hostAllowed("192.168.1.6:8787", req("", "192.168.1.5"))).toBe(false);
  });

  it("takes only its own origins", () => {
    const site = makeSite({ bindHost: "127.0.0.1", publicUrl: "https://tether.example.com" });
    const r = req("localhost:8787");
    for (const o of [
      "http://localhost:8787",
      "http://127.0.0.1:8787",
      "https://tether.example.com",
    ])
      expect(site.originAllowed(o, r), o).toBe(true);
    for (const o of [
      "http://localhost:3000",
      "http://evil.example:8787",
      "null",
      "file://",
      "http://localhost:8787/x",
    ])
      expect(site.originAllowed(o, r), o).toBe(false);
    // Through a proxy that keeps Host: the browser's origin is the Host it sent.
    expect(site.originAllowed("http://localhost", req("localhost"))).toBe(true);
  });
});

describe("device credential", () => {
  it("names its device and is refused under another token or when altered", () => {
    const a = makeDeviceCredentials("token-a-0123456789");
    const b = makeDeviceCredentials("token-b-0123456789");
    const value = a.make("phone");
    expect(value.startsWith("phone.")).toBe(true);
    expect(a.verify(value)).toBe("phone");
    expect(b.verify(value)).toBeUndefined();
    expect(a.verify(value.replace("phone.", "tablet."))).toBeUndefined();
    for (const bad of ["", ".", "phone", "phone.", `${value}x`, "bad name.abc", "%E0%A4%A"])
      expect(a.verify(bad), bad).toBeUndefined();
  });
});
