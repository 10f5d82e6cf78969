// The shape limits of an operation (depth, aliases, root fields, expanded selections), measured the same way by
// the router and by every subgraph on its own port. Neutral code: imports neither router/ nor subgraphs/.
import { Kind } from 'graphql';
import type {
  DocumentNode,
  FragmentDefinitionNode,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';

/** Shape of an operation with every fragment spread expanded, as the query planner and the executor see it. */
export interface OperationMeasures {
  /** Deepest field nesting; root fields are depth 1. */
  depth: number;
  /** Aliased fields. */
  aliases: number;
  /** Fields of the root selection set. */
  rootFields: number;
  /** Selections (fields, inline fragments, fragment spreads) once every spread is replaced by its fragment. */
  selections: number;
}

export interface OperationLimits {
  /** Deepest field nesting (root fields are depth 1). */
  maxDepth: number;
  /** Most aliased fields, each fragment spread counted. */
  maxAliases: number;
  /** Most fields in the root selection set, each fragment spread counted. */
  maxRootFields: number;
  /** Most selections once fragments are expanded: what bounds query planning and execution. */
  maxSelections: number;
}

/** The defaults of the router and of every subgraph (ROUTER_MAX_* / SUBGRAPH_MAX_*). */
export const defaultOperationLimits: Readonly<OperationLimits> = {
  maxDepth: 15,
  maxAliases: 30,
  maxRootFields: 20,
  maxSelections: 2_000,
};

/**
 * Counts stay exact up to here and stop growing beyond it: a fan-out of fragments can describe 2^1000 selections,
 * which must still compare as "too many" and print as a number (JSON has no Infinity).
 */
export const countCeiling = Number.MAX_SAFE_INTEGER;

const add = (a: number, b: number): number => Math.min(a + b, countCeiling);

/** A fragment that spreads itself, directly or through others: its expansion never ends. */
export class FragmentCycleError extends Error {
  constructor(readonly cycle: string[]) {
    super(`Fragment "${cycle[0]}" spreads itself (${cycle.join(' -> ')}): its expansion never ends`);
    this.name = 'FragmentCycleError';
  }
}

interface Measure {
  depth: number;
  aliases: number;
  fields: number;
  selections: number;
}

export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  return fragments;
}

/**
 * Measures an operation in one pass over the document: each fragment is measured once and its measures reused
 * at every spread, so a fragment spread 2^30 times over costs no more than one spread. Introspection fields
 * (`__typename`, `__schema`, `__type`) count like any other field. Throws FragmentCycleError for a fragment
 * cycle (graphql validation refuses those before; this walk must not loop even without it).
 */
export function measureOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): OperationMeasures {
  const fragments = fragmentsOf(document);
  const measured = new Map<string, Measure>();
  const active: string[] = [];

  const measureFragment = (name: string): Measure | undefined => {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment) return undefined; // validation reports unknown fragments
    const start = active.indexOf(name);
    if (start >= 0) throw new FragmentCycleError([...active.slice(start), name]);
    active.push(name);
    const measure = measureSet(fragment.selectionSet);
    active.pop();
    measured.set(name, measure);
    return measure;
  };

  const measureSet = (selectionSet: SelectionSetNode): Measure => {
    const total: Measure = { depth: 0, aliases: 0, fields: 0, selections: 0 };
    const include = (inner: Measure, deeper: number): void => {
      total.depth = Math.max(total.depth, inner.depth + deeper);
      total.aliases = add(total.aliases, inner.aliases);
      total.selections = add(total.selections, inner.selections);
    };
    for (const selection of selectionSet.selections) {
      total.selections = add(total.selections, 1);
      if (selection.kind === Kind.FIELD) {
        total.fields = add(total.fields, 1);
        if (selection.alias) total.aliases = add(total.aliases, 1);
        const inner = selection.selectionSet ? measureSet(selection.selectionSet) : undefined;
        include(inner ?? { depth: 0, aliases: 0, fields: 0, selections: 0 }, 1);
        continue;
      }
      const inner =
        selection.kind === Kind.INLINE_FRAGMENT
          ? measureSet(selection.selectionSet)
          : measureFragment(selection.name.value);
      if (!inner) continue;
      include(inner, 0);
      total.fields = add(total.fields, inner.fields);
    }
    return total;
  };

  const root = measureSet(operation.selectionSet);
  return { depth: root.depth, aliases: root.aliases, rootFields: root.fields, selections: root.selections };
}

/** One limit an operation goes over, with what to tell the client. */
export interface LimitViolation {
  limit: keyof OperationLimits;
  max: number;
  /** Undefined when there is no finite measure (a fragment cycle). */
  actual?: number;
  message: string;
  /** The fragments of a cycle, first repeated at the end. */
  fragmentCycle?: string[];
}

/** What a refusal tells the client about a violation: the limit, its maximum, and what was measured. */
export function violationExtensions({
  limit,
  max,
  actual,
  fragmentCycle,
}: LimitViolation): Record<string, unknown> {
  return {
    limit,
    max,
    ...(actual === undefined ? {} : { actual }),
    ...(fragmentCycle ? { fragmentCycle } : {}),
  };
}

const measureOf: Record<keyof OperationLimits, keyof OperationMeasures> = {
  maxDepth: 'depth',
  maxAliases: 'aliases',
  maxRootFields: 'rootFields',
  maxSelections: 'selections',
};

/** The first limit the operation goes over, or undefined. */
export function checkOperationLimits(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  limits: Readonly<OperationLimits>,
): LimitViolation | undefined {
  let measures: OperationMeasures;
  try {
    measures = measureOperation(document, operation);
  } catch (error) {
    if (!(error instanceof FragmentCycleError)) throw error;
    return {
      limit: 'maxSelections',
      max: limits.maxSelections,
      message: error.message,
      fragmentCycle: error.cycle,
    };
  }
  for (const limit of Object.keys(measureOf) as Array<keyof OperationLimits>) {
    const actual = measures[measureOf[limit]];
    const max = limits[limit];
    if (actual > max)
      return { limit, max, actual, message: `Operation exceeds ${limit} (${actual} > ${max})` };
  }
  return undefined;
}
