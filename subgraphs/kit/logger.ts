// Structured JSON logs (pino). Every request gets a child logger carrying its request id (see server.ts).
import { pino, type DestinationStream, type Logger } from 'pino';
import { traceLogFields } from '../../common/tracing.ts';

export type { Logger };

export interface LoggerOptions {
  /** Default 'info'. */
  level?: string;
  /** Bound to every line, e.g. the subgraph name. */
  name?: string;
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name,
      // A line written inside a traced request carries its trace_id and span_id (nothing with tracing off).
      mixin: traceLogFields,
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
    },
    options.destination,
  );
}
