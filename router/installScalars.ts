import { isScalarType, type GraphQLSchema } from 'graphql';
import { checkedScalars } from '../common/scalars.ts';

/**
 * Gives the gateway's API schema the input checks of our custom scalars (common/scalars.ts). The supergraph
 * only names them, so the gateway took any value and the subgraph's refusal came back as an internal error;
 * with these, Apollo Server's validation refuses a bad literal and the gateway a bad variable, with 400.
 * Only parsing is installed: the gateway forwards the variables as sent, and outputs are the subgraphs'.
 */
export function installScalars(schema: GraphQLSchema): void {
  for (const scalar of checkedScalars) {
    const type = schema.getType(scalar.name);
    if (!isScalarType(type)) continue;
    type.parseValue = scalar.parseValue;
    type.parseLiteral = scalar.parseLiteral;
  }
}
