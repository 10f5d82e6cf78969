import { SpanStatusCode, trace } from '@opentelemetry/api';
import { traceLogFields } from '../../common/tracing.ts';
import { getRequestState } from '../requestState.ts';
import type { RouterStage } from '../stage.ts';

const tracer = trace.getTracer('nanopore-router');

/**
 * Traces (common/tracing.ts, started in router/index.ts): the request's logger carries the trace and span ids
 * of its HTTP span, so the access log and every line of the request can be found from a trace; and each
 * operation gets a span, named and labelled by its type and name (never its variables), as parent of the
 * gateway's planning and subgraph fetches. With tracing off the ids are absent and the spans are no-ops.
 */
export function useTracing(): RouterStage {
  return {
    name: 'tracing',
    middleware: [
      (req, _res, next) => {
        const state = getRequestState(req);
        const ids = traceLogFields();
        if (state && ids.trace_id) state.log = state.log.child(ids);
        next();
      },
    ],
    wrapExecutor: (next) => (requestContext) => {
      // No span around us: tracing is off (or this request is not traced), and the operation costs nothing more.
      if (!trace.getActiveSpan()) return next(requestContext);
      const type = requestContext.operation?.operation ?? 'query';
      const name = requestContext.operationName ?? undefined;
      const attributes = {
        'graphql.operation.type': type,
        ...(name ? { 'graphql.operation.name': name } : {}),
      };
      return tracer.startActiveSpan(name ? `${type} ${name}` : type, { attributes }, async (span) => {
        try {
          const result = await next(requestContext);
          if (result.errors?.length) span.setAttribute('graphql.error.count', result.errors.length);
          return result;
        } catch (error) {
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw error;
        } finally {
          span.end();
        }
      });
    },
  };
}
