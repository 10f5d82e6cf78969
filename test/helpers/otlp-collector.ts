// An OpenTelemetry collector for tests: the spans our processes export (OTLP over HTTP, JSON), as plain objects.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as OTLP/JSON sends it, with its process's service name. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** 2 server, 3 client (OTLP SpanKind) */
  kind: number;
  attributes: Record<string, unknown>;
}

export const SERVER = 2;
export const CLIENT = 3;

export interface Collector {
  /** Base URL, for OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  spans: ReceivedSpan[];
  /** "METHOD path content-type" of every export received. */
  requests: string[];
  close(): Promise<void>;
}

/** An OTLP/HTTP receiver on 127.0.0.1: keeps every span POSTed to it as JSON. */
export async function startCollector(): Promise<Collector> {
  const spans: ReceivedSpan[] = [];
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      collect(JSON.parse(Buffer.concat(chunks).toString('utf8')), spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
};
type OtlpAttribute = { key: string; value: OtlpValue };

function attributesOf(list: OtlpAttribute[] = []): Record<string, unknown> {
  return Object.fromEntries(
    list.map(({ key, value }) => [
      key,
      value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue,
    ]),
  );
}

function collect(body: unknown, into: ReceivedSpan[]): void {
  const { resourceSpans = [] } = body as {
    resourceSpans?: {
      resource: { attributes: OtlpAttribute[] };
      scopeSpans: {
        spans: (Omit<ReceivedSpan, 'service' | 'attributes'> & { attributes: OtlpAttribute[] })[];
      }[];
    }[];
  };
  for (const { resource, scopeSpans } of resourceSpans) {
    const service = String(attributesOf(resource.attributes)['service.name']);
    for (const { spans } of scopeSpans)
      for (const span of spans) into.push({ ...span, service, attributes: attributesOf(span.attributes) });
  }
}
