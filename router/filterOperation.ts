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
import type { AccessRequirement } from './supergraphMetadata.ts';

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
      /** The operation without what was removed (fragments inlined), or undefined when nothing is left. */
      document: DocumentNode | undefined;
      /** Field nodes of the original document that were removed or emptied; their value becomes null. */
      removedFields: ReadonlySet<FieldNode>;
    };

/**
 * Removes every field and fragment the caller may not see from an operation, before query planning. A field
 * whose selections all go is removed too, and variables no longer used are dropped, so the result stays valid.
 */
export function filterOperation({
  schema,
  document,
  operation,
  access,
  isAllowed,
}: FilterInput): FilterResult {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const unauthorizedPaths: string[][] = [];
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

  const filter = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    path: string[],
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
          unauthorizedPaths.push(fieldPath);
          removedFields.add(selection);
          continue;
        }
        const named = getNamedType(definition.type);
        if (!selection.selectionSet || !isCompositeType(named)) {
          kept.push(selection);
          continue;
        }
        const inner = filter(selection.selectionSet, named, [...fieldPath, ...listPath(definition.type)]);
        if (inner.length === 0) removedFields.add(selection);
        else
          kept.push({
            ...selection,
            selectionSet: withTypename({ ...selection.selectionSet, selections: inner }, named),
          });
        continue;
      }
      const fragment =
        selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
      if (!fragment) continue;
      const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
      if (!condition || !isCompositeType(condition)) continue;
      if (!allowedType(condition.name)) {
        unauthorizedPaths.push(path);
        continue;
      }
      const inner = filter(fragment.selectionSet, condition, path);
      if (inner.length === 0) continue;
      kept.push({
        kind: Kind.INLINE_FRAGMENT,
        typeCondition: fragment.typeCondition,
        directives: selection.directives,
        selectionSet: withTypename({ kind: Kind.SELECTION_SET, selections: inner }, condition),
      });
    }
    return kept;
  };

  const root = schema.getRootType(operation.operation);
  if (!root) return { changed: false };
  const selections = filter(operation.selectionSet, root, []);
  if (unauthorizedPaths.length === 0) return { changed: false };
  if (selections.length === 0)
    return { changed: true, unauthorizedPaths, document: undefined, removedFields };

  const filtered: OperationDefinitionNode = {
    ...operation,
    selectionSet: { ...operation.selectionSet, selections },
  };
  const usages = new Set<string>();
  visit(filtered.selectionSet, { Variable: (node) => void usages.add(node.name.value) });
  for (const directive of filtered.directives ?? [])
    visit(directive, { Variable: (node) => void usages.add(node.name.value) });
  const variableDefinitions = filtered.variableDefinitions?.filter((v) => usages.has(v.variable.name.value));
  return {
    changed: true,
    unauthorizedPaths,
    removedFields,
    document: { kind: Kind.DOCUMENT, definitions: [{ ...filtered, variableDefinitions }] },
  };
}

/** The router re-shapes results by type, so every abstract selection set asks for __typename. */
function withTypename(selectionSet: SelectionSetNode, type: GraphQLCompositeType): SelectionSetNode {
  if (!isAbstractType(type)) return selectionSet;
  const typename: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };
  return { ...selectionSet, selections: [...selectionSet.selections, typename] };
}
