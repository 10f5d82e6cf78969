// Structured JSON logs (pino). Every request gets a child logger carrying its request id (see server.ts).
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Default 'info'. */
  level?: string;
  /** Bound to every line, e.g. the subgraph name. */
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: options.level ?? 'info',
    name: options.name,
    // Never let a token or password reach a log line by accident.
    redact: {
      paths: [
        'req.headers.authorization',
        '*.password',
        '*.newPassword',
        '*.currentPassword',
        '*.refreshToken',
      ],
      censor: '[redacted]',
    },
  });
}
