import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
} from 'graphql';
import type {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import type { ListSize, SupergraphMetadata } from './supergraphMetadata.ts';

export interface CostInput {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Readonly<Record<string, unknown>>;
  metadata: Pick<SupergraphMetadata, 'cost' | 'listSize'>;
  /** Size assumed for a list without @listSize or slicing argument. */
  defaultListSize: number;
}

/** Mutations are weighted like Apollo's demand control: a root mutation field costs 10 unless @cost says otherwise. */
const mutationWeight = 10;

/**
 * Static (estimated) cost after the IBM GraphQL cost spec as federation's @cost/@listSize define it: objects 1,
 * scalars and enums 0, a list multiplies its items' cost by its slicing argument, assumedSize or the default.
 */
export function computeCost(input: CostInput): number {
  const { schema, document, variables, metadata, defaultListSize } = input;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const mutationType = schema.getMutationType();

  const argument = (field: FieldNode, name: string): unknown => {
    const node = field.arguments?.find((a) => a.name.value === name)?.value;
    if (node?.kind === Kind.INT) return Number(node.value);
    if (node?.kind === Kind.VARIABLE) return variables[node.name.value];
    return undefined;
  };
  const sizeOf = (listSize: ListSize | undefined, field: FieldNode): number | undefined => {
    const sliced = (listSize?.slicingArguments ?? [])
      .map((name) => argument(field, name))
      .filter((v): v is number => typeof v === 'number');
    return sliced.length > 0 ? Math.max(...sliced) : listSize?.assumedSize;
  };

  const walk = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    sized?: Map<string, number>,
  ): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT || selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment =
          selection.kind === Kind.FRAGMENT_SPREAD ? fragments.get(selection.name.value) : selection;
        if (!fragment) continue;
        const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : parent;
        if (condition && isCompositeType(condition)) total += walk(fragment.selectionSet, condition, sized);
        continue;
      }
      if (selection.name.value.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent)))
        continue;
      const definition = parent.getFields()[selection.name.value];
      if (!definition) continue;
      const key = `${parent.name}.${definition.name}`;
      const named = getNamedType(definition.type);
      const defaultWeight = parent === mutationType ? mutationWeight : isCompositeType(named) ? 1 : 0;
      const weight = metadata.cost.get(key) ?? metadata.cost.get(named.name) ?? defaultWeight;
      const argumentsWeight = (selection.arguments ?? []).reduce(
        (sum, a) => sum + (metadata.cost.get(`${key}(${a.name.value})`) ?? 0),
        0,
      );
      const listSize = metadata.listSize.get(key);
      const childSized = listSize?.sizedFields
        ? new Map(listSize.sizedFields.map((f) => [f, sizeOf(listSize, selection) ?? defaultListSize]))
        : undefined;
      const children =
        selection.selectionSet && isCompositeType(named)
          ? walk(selection.selectionSet, named, childSized)
          : 0;
      const isList = isListType(getNullableType(definition.type));
      const ownSize = listSize?.sizedFields ? undefined : sizeOf(listSize, selection);
      const multiplier = isList ? (sized?.get(definition.name) ?? ownSize ?? defaultListSize) : 1;
      total += multiplier * (weight + children) + argumentsWeight;
    }
    return total;
  };

  const root = schema.getRootType(input.operation.operation);
  return root ? walk(input.operation.selectionSet, root) : 0;
}
