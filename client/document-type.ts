// The type a typed document carries: the same shape as @graphql-typed-document-node/core's DocumentTypeDecoration
// (declared here so the published package has no dependency), so the documents also work with other clients
// (graphql-request, urql) that read that shape.
export interface DocumentTypeDecoration<TResult, TVariables> {
  /** Never set: it only carries the result and variable types of the document. */
  __apiType?: (variables: TVariables) => TResult;
}
