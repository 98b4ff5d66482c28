import pino, { type Logger } from "pino";

/** Logs go to stderr as JSON lines; anything that may hold a secret is censored. */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          "req.headers.authorization",
          "req.headers.cookie",
          "req.query.token",
          "config.TETHER_AGENT_TOKEN",
          "*.token",
        ],
        censor: "***",
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}
