import { Kind } from 'graphql';
import type {
  DocumentNode,
  FragmentDefinitionNode,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';

/** Shape measures of an operation, with fragments expanded (each spread counts). */
export interface OperationMeasures {
  /** Deepest field nesting; root fields are depth 1. Introspection fields are not counted. */
  depth: number;
  aliases: number;
  rootFields: number;
}

interface Measure {
  depth: number;
  aliases: number;
  fields: number;
}

/** Measures an operation; fragment results are memoized so that repeated spreads cost nothing extra to measure. */
export function measureOperation(
  document: DocumentNode,
  operation: OperationDefinitionNode,
): OperationMeasures {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const memo = new Map<string, Measure>();

  const measure = (selectionSet: SelectionSetNode, seen: ReadonlySet<string>): Measure => {
    const total: Measure = { depth: 0, aliases: 0, fields: 0 };
    const add = (m: Measure, deeper: number) => {
      total.depth = Math.max(total.depth, m.depth + deeper);
      total.aliases += m.aliases;
      total.fields += m.fields;
    };
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__')) continue;
        total.fields += 1;
        if (selection.alias) total.aliases += 1;
        const inner = selection.selectionSet ? measure(selection.selectionSet, seen) : undefined;
        add({ depth: inner?.depth ?? 0, aliases: inner?.aliases ?? 0, fields: 0 }, 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        add(measure(selection.selectionSet, seen), 0);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue;
        let m = memo.get(name);
        if (!m) memo.set(name, (m = measure(fragment.selectionSet, new Set([...seen, name]))));
        add(m, 0);
      }
    }
    return total;
  };

  const root = measure(operation.selectionSet, new Set());
  return { depth: root.depth, aliases: root.aliases, rootFields: root.fields };
}
