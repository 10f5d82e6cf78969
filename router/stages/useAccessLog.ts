import type { RouterStage } from '../stage.ts';

/**
 * One structured line per request: id, operation, duration, outcome, user. Never variables or headers, so
 * tokens and passwords cannot reach the log.
 */
export function useAccessLog(): RouterStage {
  return {
    name: 'accessLog',
    onFinish(state, statusCode) {
      state.log.info(
        {
          stage: 'accessLog',
          operationName: state.operationName ?? null,
          durationMs: Number(process.hrtime.bigint() - state.startedAt) / 1e6,
          status: statusCode,
          outcome: state.outcome ?? (statusCode >= 400 ? 'error' : 'success'),
          userId: state.userId ?? null,
          errorCodes: state.errorCodes,
          ...(state.sharedFrom ? { sharedFrom: state.sharedFrom } : {}),
        },
        'request',
      );
    },
  };
}
