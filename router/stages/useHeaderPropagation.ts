import type { RouterStage } from '../stage.ts';

/**
 * Sends subgraphs the verified bearer token and the request id, and nothing else: cookies and identity
 * headers from the client never reach a subgraph (the data source starts from an empty header set).
 */
export function useHeaderPropagation(): RouterStage {
  return {
    name: 'headerPropagation',
    subgraph: {
      willSendRequest({ context }, headers) {
        if (!context) return;
        headers.set('x-request-id', context.requestId);
        if (context.token) headers.set('authorization', `Bearer ${context.token}`);
      },
    },
  };
}
