// Can `tether start` listen where it is told to? Free, or already held by a Tether (fine: it is
// running), or held by something else (the problem to fix).
import { createServer } from "node:net";
import { localUrl, probeTether } from "../probe.js";
import { type Check, failed, ok } from "./check.js";

function tryListen(host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** `portName`/`hostName`: how the user set them (a flag, or the setting's name). */
export async function checkPort(
  host: string,
  port: number,
  token: string | undefined,
  names: { port: string; host: string },
  /** The certificate the daemon serves (TETHER_TLS_CERT), when it serves HTTPS. */
  trustedCert?: string,
): Promise<Check> {
  const label = "port";
  if (port === 0) return ok(label, "0: the system picks a free port at each start");
  const error = await tryListen(host, port);
  if (!error) return ok(label, `${host}:${port} is free`);
  switch (error.code) {
    case "EADDRINUSE": {
      const tls = trustedCert !== undefined;
      const probe = await probeTether(localUrl(host, port, tls), token, 2000, trustedCert);
      if (probe.kind === "tether") {
        return ok(
          label,
          `${port}: Tether ${probe.version ?? ""} is running there`.replace("  ", " "),
        );
      }
      if (probe.kind === "tether-locked") {
        return ok(label, `${port}: a Tether is running there (with another token)`);
      }
      return failed(
        label,
        `${port} is in use by another program, not Tether; stop it, or choose another port with ${names.port}`,
      );
    }
    case "EACCES":
      return failed(
        label,
        `not allowed to listen on ${host}:${port}; choose a port above 1023 with ${names.port}`,
      );
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return failed(
        label,
        `cannot listen on ${host}: no such address on this machine; fix ${names.host}`,
      );
    default:
      return failed(label, `cannot listen on ${host}:${port} (${error.code ?? error.message})`);
  }
}
