// The web app's credential: a cookie the server makes when a browser pairs with the token. Its
// value is not the token but `<device>.<HMAC(token, device)>`, so the server recovers the
// device's name (the actor `web:<device>`) and checks it without keeping any state; changing
// the token unpairs every device.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A device name: letters, digits, `-` and `_`, at most 40. */
export const DEVICE_PATTERN = /^[A-Za-z0-9_-]{1,40}$/;

/** The cookie's name, one per port: two daemons (or a dev server) on one host never share it. */
export const cookieName = (port: number | undefined) => `tether_${port ?? 0}`;

/** A new device's name when the browser gave none. */
export const newDeviceName = () => `device-${randomBytes(4).toString("hex")}`;

export interface DeviceCredentials {
  make(device: string): string;
  /** The device a credential names, or undefined when it is not one we made. */
  verify(value: string): string | undefined;
}

export function makeDeviceCredentials(token: string): DeviceCredentials {
  const mac = (device: string) =>
    createHmac("sha256", token).update(`tether-device:${device}`).digest();
  return {
    make: (device) => `${device}.${mac(device).toString("base64url")}`,
    verify(value) {
      const dot = value.lastIndexOf(".");
      const device = value.slice(0, dot);
      if (dot < 1 || !DEVICE_PATTERN.test(device)) return undefined;
      const given = Buffer.from(value.slice(dot + 1), "base64url");
      const expected = mac(device);
      return given.length === expected.length && timingSafeEqual(given, expected)
        ? device
        : undefined;
    },
  };
}
