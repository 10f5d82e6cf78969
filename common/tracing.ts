// OpenTelemetry traces, written once for every process: the router and each subgraph call startTracing first
// thing in their entry (router/index.ts, subgraphs/<name>/index.ts). Off unless an OTLP endpoint is configured:
// then the SDK is not even loaded, nothing is patched and nothing leaves the machine.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { z } from 'zod';
import { env } from './env.ts';
import { REVOCATIONS_PATH } from './session-revocations.ts';

type Env = Record<string, string | undefined>;

const variables = z.object({
  /** Base URL of an OTLP/HTTP collector; spans go to <it>/v1/traces. */
  OTEL_EXPORTER_OTLP_ENDPOINT: env.httpUrl().optional(),
  /** Full URL for spans, when the collector wants another path; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: env.httpUrl().optional(),
  /** The name spans are filed under; default the process's own (router, auth, samples ...). */
  OTEL_SERVICE_NAME: z
    .string()
    .regex(/^[\w.-]{1,64}$/, { message: 'must be 1-64 letters, digits, dots, dashes or underscores' })
    .optional(),
});

/** Thrown by loadTracingConfig; the message lists one line per bad variable, as the config modules' do. */
export class TracingConfigError extends Error {
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TracingConfigError';
  }
}

export interface TracingConfig {
  /** Where spans are sent (OTLP/HTTP, JSON). */
  tracesUrl: string;
  serviceName: string;
}

/**
 * The tracing settings in `env`: undefined when no endpoint is set (tracing off), else where to send and under
 * which name. Throws TracingConfigError naming each bad variable.
 */
export function loadTracingConfig(serviceName: string, source: Env = process.env): TracingConfig | undefined {
  const set = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = variables.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new TracingConfigError([...new Set(problems)]);
  }
  const v = parsed.data;
  const base = v.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  const tracesUrl = v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base && `${base}/v1/traces`);
  if (!tracesUrl) return undefined;
  return { tracesUrl, serviceName: v.OTEL_SERVICE_NAME ?? serviceName };
}

export interface Tracing {
  config: TracingConfig;
  /** Sends the spans still buffered. */
  flush(): Promise<void>;
  /** Flushes, then stops tracing (patched modules stay patched, with nothing recording). */
  shutdown(): Promise<void>;
}

/**
 * Requests that only probe a process, and the session-revocation poll every process sends each second: no spans
 * (nor of the queries they run), else they would bury the traces worth reading.
 */
const UNTRACED_PATHS = ['/health', '/ready', '/metrics', REVOCATIONS_PATH];

function untraced(url: string | undefined): boolean {
  const path = url?.split('?')[0] ?? '';
  return UNTRACED_PATHS.some((p) => path === p || path.startsWith(`${p}/`));
}

/**
 * Starts tracing for this process when configured (loadTracingConfig), or does nothing and returns undefined.
 * Spans: HTTP server and client (node:http, and fetch through undici's diagnostics channels), Prisma queries,
 * and whatever the code starts itself; W3C traceparent read from requests and sent on every outgoing one.
 */
export async function startTracing(
  serviceName: string,
  source: Env = process.env,
): Promise<Tracing | undefined> {
  const config = loadTracingConfig(serviceName, source);
  if (!config) return undefined;
  // Loaded only now, so a process without tracing pays nothing for it.
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
  const [{ registerInstrumentations }, { HttpInstrumentation }, { UndiciInstrumentation }, prisma] =
    await Promise.all([
      import('@opentelemetry/instrumentation'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-undici'),
      import('@prisma/instrumentation'),
    ]);
  const { ATTR_SERVICE_NAME } = await import('@opentelemetry/semantic-conventions');

  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    // JSON over HTTP; OTEL_EXPORTER_OTLP_HEADERS and OTEL_BSP_* are read by the exporter and the processor.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: config.tracesUrl }))],
  });
  // The global provider, AsyncLocalStorage context and W3C trace-context (and baggage) propagation.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => untraced(req.url),
        ignoreOutgoingRequestHook: (req) => untraced(req.path ?? undefined),
      }),
      new UndiciInstrumentation({ ignoreRequestHook: (req) => untraced(req.path) }),
      new prisma.PrismaInstrumentation(),
    ],
  });
  patchHttpNow();
  return {
    config,
    flush: () => provider.forceFlush(),
    async shutdown() {
      unregister();
      await provider.shutdown();
    },
  };
}

/**
 * The HTTP instrumentation patches node:http when something next require()s it, and our ESM imports of it never
 * do. Requiring it here patches it now (the server prototype, shared by every importer, and the module object);
 * syncing the builtins' ESM exports then hands `import { request } from 'node:http'` the patched functions. So
 * the order of imports in an entry does not matter, under tsx or compiled.
 */
function patchHttpNow(): void {
  const require = createRequire(import.meta.url);
  require('http');
  require('https');
  syncBuiltinESMExports();
}

/**
 * The trace and span ids of the span active here, for a log line (a pino mixin, or a request logger's
 * bindings); empty outside a traced request or with tracing off.
 */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}
