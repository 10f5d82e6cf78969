// Demand control: the estimated cost of an operation from @cost/@listSize, computed the same way by the router
// (from the supergraph) and by every subgraph (from its own SDL). Neutral code: imports neither router/ nor
// subgraphs/.
import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
} from 'graphql';
import type {
  ConstDirectiveNode,
  DocumentNode,
  FieldNode,
  GraphQLCompositeType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
  ValueNode,
} from 'graphql';
import { countCeiling, fragmentsOf } from './operation-limits.ts';

/** @listSize on a field (federation demand control). */
export interface ListSize {
  assumedSize?: number;
  slicingArguments?: string[];
  sizedFields?: string[];
}

/** The demand-control directives of a schema. */
export interface CostDirectives {
  /** @cost weights keyed by `Type`, `Type.field` or `Type.field(arg)`. */
  cost: Map<string, number>;
  /** Keyed by `Type.field`. */
  listSize: Map<string, ListSize>;
}

export interface CostLimits {
  /** Highest estimated cost an operation may have. */
  maxCost: number;
  /** Items assumed in a list field without @listSize or slicing argument. */
  defaultListSize: number;
  /** Largest value a slicing argument (`first` and the like, from @listSize) may take. */
  maxListSize: number;
}

/**
 * The defaults of the router and of every subgraph (ROUTER_* / SUBGRAPH_*). maxCost admits the public federation
 * benchmark's TestQuery (about 24,000: three nested unbounded lists at defaultListSize 10) with room to spare,
 * and still refuses a list nested in a list at large slicing arguments (README: "Sizing the cost limit").
 */
export const defaultCostLimits: Readonly<CostLimits> = {
  maxCost: 50_000,
  defaultListSize: 10,
  maxListSize: 1_000,
};

export interface CostInput {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Readonly<Record<string, unknown>>;
  directives: CostDirectives;
  limits: Pick<CostLimits, 'defaultListSize' | 'maxListSize'>;
}

/** A slicing argument that is not a whole number from 0 to maxListSize: the client's mistake, never a cost. */
export class SlicingArgumentError extends Error {
  constructor(
    /** `Type.field` */
    readonly field: string,
    readonly argument: string,
    readonly value: unknown,
    readonly max: number,
  ) {
    super(`Argument "${argument}" of ${field} must be a whole number from 0 to ${max} (got ${shown(value)})`);
    this.name = 'SlicingArgumentError';
  }
}

/** The value for a message: scalars as written, anything else by kind (never serialized: it may be huge or deep). */
function shown(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'a list' : `an ${typeof value}`;
}

/** Mutations are weighted like Apollo's demand control: a root mutation field costs 10 unless @cost says otherwise. */
const mutationWeight = 10;

const bounded = (n: number): number => Math.min(n, countCeiling);

/**
 * Static (estimated) cost after the IBM GraphQL cost spec as federation's @cost/@listSize define it: objects 1,
 * scalars and enums 0, a list multiplies its items' cost by its slicing argument, assumedSize or the default.
 * Each fragment is costed once per list-size context and reused at every spread, so the walk stays linear in the
 * document however often fragments are spread. Throws SlicingArgumentError for a negative, fractional or too
 * large slicing argument.
 */
export function computeCost(input: CostInput): number {
  const { schema, document, operation, variables, directives } = input;
  const { defaultListSize, maxListSize } = input.limits;
  const fragments = fragmentsOf(document);
  const mutationType = schema.getMutationType();
  const variableDefaults = new Map(
    (operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, v.defaultValue]),
  );

  const value = (node: ValueNode | undefined): unknown => {
    if (node?.kind !== Kind.VARIABLE) return node ? valueFromASTUntyped(node) : undefined;
    const name = node.name.value;
    if (Object.hasOwn(variables, name)) return variables[name];
    const fallback = variableDefaults.get(name);
    return fallback ? valueFromASTUntyped(fallback) : undefined;
  };
  /** The slicing arguments' largest value; undefined when none is given (null counts as not given). */
  const sliced = (key: string, listSize: ListSize | undefined, field: FieldNode): number | undefined => {
    let size: number | undefined;
    for (const name of listSize?.slicingArguments ?? []) {
      const given = value(field.arguments?.find((a) => a.name.value === name)?.value);
      if (given === undefined || given === null) continue;
      if (typeof given !== 'number' || !Number.isInteger(given) || given < 0 || given > maxListSize)
        throw new SlicingArgumentError(key, name, given, maxListSize);
      size = Math.max(size ?? 0, given);
    }
    return size;
  };

  type Sized = ReadonlyMap<string, number>;
  const fragmentCosts = new Map<string, number>();
  const active = new Set<string>();

  const walk = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType, sized?: Sized): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        if (condition && isCompositeType(condition))
          total = bounded(total + walk(selection.selectionSet, condition, sized));
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        total = bounded(total + spread(selection.name.value, sized));
        continue;
      }
      if (!(isObjectType(parent) || isInterfaceType(parent))) continue;
      const definition = parent.getFields()[selection.name.value];
      if (!definition) continue; // introspection: bounded by the selection limit, free here
      const key = `${parent.name}.${definition.name}`;
      const named = getNamedType(definition.type);
      const defaultWeight = parent === mutationType ? mutationWeight : isCompositeType(named) ? 1 : 0;
      const weight = directives.cost.get(key) ?? directives.cost.get(named.name) ?? defaultWeight;
      let argumentsWeight = 0;
      for (const a of selection.arguments ?? [])
        argumentsWeight += directives.cost.get(`${key}(${a.name.value})`) ?? 0;
      const listSize = directives.listSize.get(key);
      const size = sliced(key, listSize, selection);
      const childSized = listSize?.sizedFields
        ? new Map(listSize.sizedFields.map((f) => [f, size ?? listSize.assumedSize ?? defaultListSize]))
        : undefined;
      const children =
        selection.selectionSet && isCompositeType(named)
          ? walk(selection.selectionSet, named, childSized)
          : 0;
      const isList = isListType(getNullableType(definition.type));
      const ownSize = listSize?.sizedFields ? undefined : (size ?? listSize?.assumedSize);
      const multiplier = isList ? (sized?.get(definition.name) ?? ownSize ?? defaultListSize) : 1;
      total = bounded(total + bounded(multiplier * bounded(weight + children)) + argumentsWeight);
    }
    return total;
  };

  // A fragment's cost depends on its type condition (fixed) and on the sizes an enclosing @listSize(sizedFields)
  // gives its top-level fields: memoised per such context, of which a document has at most one per field.
  const spread = (name: string, sized: Sized | undefined): number => {
    const fragment = fragments.get(name);
    if (!fragment) return 0;
    const key = sized ? `${name}|${[...sized].map(([f, n]) => `${f}=${n}`).join(',')}` : name;
    const known = fragmentCosts.get(key);
    if (known !== undefined) return known;
    if (active.has(key)) return 0; // a cycle: measureOperation refuses it; never loop here
    const condition = schema.getType(fragment.typeCondition.name.value);
    if (!condition || !isCompositeType(condition)) return 0;
    active.add(key);
    const cost = walk(fragment.selectionSet, condition, sized);
    active.delete(key);
    fragmentCosts.set(key, cost);
    return cost;
  };

  const root = schema.getRootType(operation.operation);
  return root ? walk(operation.selectionSet, root) : 0;
}

/**
 * Reads @cost and @listSize from SDL, under the names this document gives them (`cost`, `federation__cost`,
 * an `as` rename ...): the router from the supergraph, a subgraph from its own SDL.
 */
export function readCostDirectives(
  document: DocumentNode,
  names: { cost?: string; listSize?: string },
): CostDirectives {
  const directives: CostDirectives = { cost: new Map(), listSize: new Map() };
  const record = (key: string, nodes: readonly ConstDirectiveNode[] | undefined): void => {
    for (const directive of nodes ?? []) {
      const name = directive.name.value;
      if (name !== names.cost && name !== names.listSize) continue;
      const args = Object.fromEntries(
        (directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]),
      );
      if (name === names.cost) directives.cost.set(key, Number(args.weight));
      else directives.listSize.set(key, args as ListSize);
    }
  };
  for (const definition of document.definitions) {
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const typeName = definition.name.value;
    record(typeName, definition.directives as readonly ConstDirectiveNode[] | undefined);
    if (!('fields' in definition)) continue;
    for (const field of definition.fields ?? []) {
      record(`${typeName}.${field.name.value}`, field.directives);
      for (const arg of 'arguments' in field ? (field.arguments ?? []) : [])
        record(`${typeName}.${field.name.value}(${arg.name.value})`, arg.directives);
    }
  }
  return directives;
}
