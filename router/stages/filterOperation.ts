import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  isWrappingType,
  Kind,
  visit,
} from 'graphql';
import type {
  ASTNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLOutputType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionNode,
  SelectionSetNode,
} from 'graphql';
import { fragmentsOf } from '../../common/operation-limits.ts';
import type { AccessRequirement } from '../supergraphMetadata.ts';

export interface FilterInput {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Requirements keyed by `Type` or `Type.field`. */
  access: ReadonlyMap<string, AccessRequirement[]>;
  isAllowed(requirements: AccessRequirement[]): boolean;
}

export type FilterResult =
  | { changed: false }
  | {
      changed: true;
      /** Query paths of what was removed; list positions are `@` (as Apollo Router reports them). */
      unauthorizedPaths: Array<Array<string>>;
      /** The operation without what was removed (with the fragments it still spreads), or undefined when nothing is left. */
      document: DocumentNode | undefined;
      /** Field nodes of the original document that were removed or emptied; their value becomes null. */
      removedFields: ReadonlySet<FieldNode>;
    };

/** Paths of removed selections, each once: two spreads of one fragment at one place remove one thing. */
class Paths {
  readonly list: string[][] = [];
  private readonly seen = new Set<string>();
  add(path: string[]): void {
    const key = path.join('\u0000');
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(path);
  }
}

/** A fragment after filtering: computed once, whatever the number of spreads. */
interface FilteredFragment {
  /** Undefined when nothing of it is left: its spreads go. */
  definition: FragmentDefinitionNode | undefined;
  /** What was removed inside it, relative to where it is spread. */
  paths: string[][];
}

/**
 * Removes every field and fragment the caller may not see from an operation, before query planning. A field
 * whose selections all go is removed too, and variables and fragments no longer used are dropped, so the result
 * stays valid. Each fragment is filtered once and stays a fragment, so the result is no larger than the input
 * and the walk is linear in the document. Each removed path is reported once; distinct paths can only outgrow
 * the document through aliased fan-outs, which the depth and selection limits refuse before this runs.
 */
export function filterOperation({
  schema,
  document,
  operation,
  access,
  isAllowed,
}: FilterInput): FilterResult {
  const fragments = fragmentsOf(document);
  const filteredFragments = new Map<string, FilteredFragment | 'active'>();
  const removedFields = new Set<FieldNode>();

  const allowedType = (typeName: string) => isAllowed(access.get(typeName) ?? []);
  const fieldRequirements = (parent: GraphQLCompositeType, field: string, type: GraphQLOutputType) => {
    const own = [
      ...(access.get(`${parent.name}.${field}`) ?? []),
      ...(access.get(getNamedType(type).name) ?? []),
    ];
    // An interface field is as protected as that field on any implementation.
    if (!isInterfaceType(parent)) return own;
    return [
      ...own,
      ...schema.getPossibleTypes(parent).flatMap((t) => access.get(`${t.name}.${field}`) ?? []),
    ];
  };
  const listPath = (type: GraphQLOutputType): string[] => {
    const markers: string[] = [];
    for (let t = type; isWrappingType(t); t = t.ofType) if (isListType(t)) markers.push('@');
    return markers;
  };

  /** The kept selections; what was removed goes to `removed` as paths under `path`. */
  const filter = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    path: string[],
    removed: Paths,
  ): SelectionNode[] => {
    const kept: SelectionNode[] = [];
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        const definition =
          isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
        if (!definition) {
          kept.push(selection); // __typename and introspection
          continue;
        }
        const fieldPath = [...path, selection.alias?.value ?? name];
        if (!isAllowed(fieldRequirements(parent, name, definition.type))) {
          removed.add(fieldPath);
          removedFields.add(selection);
          continue;
        }
        const named = getNamedType(definition.type);
        if (!selection.selectionSet || !isCompositeType(named)) {
          kept.push(selection);
          continue;
        }
        const inner = filter(
          selection.selectionSet,
          named,
          [...fieldPath, ...listPath(definition.type)],
          removed,
        );
        if (inner.length === 0) removedFields.add(selection);
        else
          kept.push({
            ...selection,
            selectionSet: withTypename({ ...selection.selectionSet, selections: inner }, named),
          });
        continue;
      }
      const conditionName =
        selection.kind === Kind.FRAGMENT_SPREAD
          ? fragments.get(selection.name.value)?.typeCondition.name.value
          : selection.typeCondition?.name.value;
      const condition = conditionName ? schema.getType(conditionName) : parent;
      if (!condition || !isCompositeType(condition)) continue;
      if (!allowedType(condition.name)) {
        removed.add(path);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = filterFragment(selection.name.value, condition);
        for (const relative of fragment?.paths ?? []) removed.add([...path, ...relative]);
        if (fragment?.definition) kept.push(selection);
        continue;
      }
      const inner = filter(selection.selectionSet, condition, path, removed);
      if (inner.length === 0) continue;
      kept.push({
        ...selection,
        selectionSet: withTypename({ kind: Kind.SELECTION_SET, selections: inner }, condition),
      });
    }
    return kept;
  };

  const filterFragment = (name: string, condition: GraphQLCompositeType): FilteredFragment | undefined => {
    const known = filteredFragments.get(name);
    if (known === 'active') return undefined; // a cycle: validation refuses it; never loop here
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment) return undefined;
    filteredFragments.set(name, 'active');
    const paths = new Paths();
    const inner = filter(fragment.selectionSet, condition, [], paths);
    const filtered: FilteredFragment = {
      paths: paths.list,
      definition:
        inner.length === 0
          ? undefined
          : {
              ...fragment,
              selectionSet: withTypename({ ...fragment.selectionSet, selections: inner }, condition),
            },
    };
    filteredFragments.set(name, filtered);
    return filtered;
  };

  const root = schema.getRootType(operation.operation);
  if (!root) return { changed: false };
  const removed = new Paths();
  const selections = filter(operation.selectionSet, root, [], removed);
  const unauthorizedPaths = removed.list;
  if (unauthorizedPaths.length === 0) return { changed: false };
  if (selections.length === 0)
    return { changed: true, unauthorizedPaths, document: undefined, removedFields };

  const filtered: OperationDefinitionNode = {
    ...operation,
    selectionSet: { ...operation.selectionSet, selections },
  };
  // Only the fragments the filtered operation still reaches, each once (an unused fragment is invalid).
  const used: FragmentDefinitionNode[] = [];
  const reached = new Set<string>();
  const usages = new Set<string>();
  const collect = (node: ASTNode): void =>
    void visit(node, {
      Variable: (variable) => void usages.add(variable.name.value),
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = filteredFragments.get(name);
        if (reached.has(name) || !fragment || fragment === 'active' || !fragment.definition) return;
        reached.add(name);
        used.push(fragment.definition);
        collect(fragment.definition);
      },
    });
  collect(filtered.selectionSet);
  for (const directive of filtered.directives ?? []) collect(directive);
  const variableDefinitions = filtered.variableDefinitions?.filter((v) => usages.has(v.variable.name.value));
  return {
    changed: true,
    unauthorizedPaths,
    removedFields,
    document: { kind: Kind.DOCUMENT, definitions: [{ ...filtered, variableDefinitions }, ...used] },
  };
}

/** The router re-shapes results by type, so every abstract selection set asks for __typename. */
function withTypename(selectionSet: SelectionSetNode, type: GraphQLCompositeType): SelectionSetNode {
  if (!isAbstractType(type)) return selectionSet;
  const typename: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
  return { ...selectionSet, selections: [...selectionSet.selections, typename] };
}
