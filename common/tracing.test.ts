// Tracing's settings, and tracing off by default: no endpoint, no SDK loaded, nothing patched, no ids in logs.
import http from 'node:http';
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { describe, expect, test } from 'vitest';
import { loadTracingConfig, startTracing, traceLogFields, TracingConfigError } from './tracing.ts';

describe('loadTracingConfig', () => {
  test('off without an endpoint, whatever else is set', () => {
    expect(loadTracingConfig('auth', {})).toBeUndefined();
    expect(
      loadTracingConfig('auth', { OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_ENDPOINT: '' }),
    ).toBeUndefined();
  });

  test("spans go to the endpoint's /v1/traces under the process's name, or where and as told", () => {
    expect(loadTracingConfig('auth', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: 'auth',
    });
    expect(
      loadTracingConfig('router', {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.lab.test/otlp/spans',
        OTEL_SERVICE_NAME: 'router-eu',
      }),
    ).toEqual({ tracesUrl: 'https://traces.lab.test/otlp/spans', serviceName: 'router-eu' });
  });

  test('a bad value is refused, naming its variable', () => {
    const bad = () =>
      loadTracingConfig('auth', {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317',
        OTEL_SERVICE_NAME: 'two words',
      });
    expect(bad).toThrow(TracingConfigError);
    expect(bad).toThrow(/OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: must be an http\(s\) URL/);
    expect(bad).toThrow(/OTEL_SERVICE_NAME: must be 1-64 letters/);
  });
});

describe('tracing off (no endpoint)', () => {
  test('creates no exporter, patches nothing and records nothing', async () => {
    expect(await startTracing('auth', { OTEL_SERVICE_NAME: 'auth' })).toBeUndefined();
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(
      loaded.filter((file) => /@opentelemetry\/(sdk-trace|exporter-trace|instrumentation)/.test(file)),
    ).toEqual([]);
    expect(loaded.some((file) => file.includes('@prisma/instrumentation'))).toBe(false);
    expect('__wrapped' in http.request).toBe(false);
    trace.getTracer('test').startActiveSpan('work', (span) => {
      expect(span.isRecording()).toBe(false);
      expect(traceLogFields()).toEqual({});
      span.end();
    });
  });
});
