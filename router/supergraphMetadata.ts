import { Kind, parse, print, valueFromASTUntyped, visit } from 'graphql';
import type { ConstDirectiveNode, DefinitionNode, DocumentNode } from 'graphql';
import { readCostDirectives, type CostDirectives } from '../common/operation-cost.ts';

/** One requirement from @authenticated, @requiresScopes or @policy; the inner arrays are AND-sets, the outer OR. */
export type AccessRequirement =
  { kind: 'authenticated' } | { kind: 'scopes'; anyOf: string[][] } | { kind: 'policies'; anyOf: string[][] };

/** What the router reads from a supergraph besides what the gateway needs. */
export interface SupergraphMetadata extends CostDirectives {
  sdl: string;
  /** Subgraphs as declared by join__Graph (before URL overrides). */
  subgraphs: Array<{ name: string; url: string }>;
  /** Keyed by `Type` or `Type.field`. */
  access: Map<string, AccessRequirement[]>;
}

const specs = {
  join: 'https://specs.apollo.dev/join/',
  authenticated: 'https://specs.apollo.dev/authenticated/',
  requiresScopes: 'https://specs.apollo.dev/requiresScopes/',
  policy: 'https://specs.apollo.dev/policy/',
  cost: 'https://specs.apollo.dev/cost/',
} as const;

interface Link {
  url: string;
  namespace: string;
  imports: Map<string, string>;
}

function readLinks(document: DocumentNode): Link[] {
  const links: Link[] = [];
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const directive of definition.directives ?? []) {
      if (directive.name.value !== 'link') continue;
      const args = directiveArgs(directive);
      const url = String(args.url ?? '');
      const specName =
        url
          .replace(/\/v[\d.]+\/?$/, '')
          .split('/')
          .pop() ?? '';
      const imports = new Map<string, string>();
      for (const entry of (args.import as unknown[] | undefined) ?? []) {
        if (typeof entry === 'string') imports.set(entry.replace(/^@/, ''), entry.replace(/^@/, ''));
        else if (entry && typeof entry === 'object' && 'name' in entry) {
          const { name, as } = entry as { name: string; as?: string };
          imports.set(name.replace(/^@/, ''), (as ?? name).replace(/^@/, ''));
        }
      }
      links.push({ url, namespace: typeof args.as === 'string' ? args.as : specName, imports });
    }
  }
  return links;
}

/** The name a spec's directive (or type) has in this document, following `as` and `import` of its @link. */
function resolveName(
  links: Link[],
  specPrefix: string,
  element: string,
  isDirective = true,
): string | undefined {
  const link = links.find((l) => l.url.startsWith(specPrefix));
  if (!link) return undefined;
  const imported = link.imports.get(element);
  if (imported) return imported;
  const specName = specPrefix.split('/').filter(Boolean).pop();
  if (isDirective && element === specName) return link.namespace;
  return `${link.namespace}__${element}`;
}

function directiveArgs(directive: ConstDirectiveNode): Record<string, unknown> {
  return Object.fromEntries(
    (directive.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]),
  );
}

/** Reads subgraphs, access requirements and demand-control weights from supergraph SDL. Throws on invalid SDL. */
export function readSupergraphMetadata(sdl: string): SupergraphMetadata {
  const document = parse(sdl);
  const links = readLinks(document);
  const names = {
    graphEnum: resolveName(links, specs.join, 'Graph', false) ?? 'join__Graph',
    graph: resolveName(links, specs.join, 'graph') ?? 'join__graph',
    authenticated: resolveName(links, specs.authenticated, 'authenticated'),
    requiresScopes: resolveName(links, specs.requiresScopes, 'requiresScopes'),
    policy: resolveName(links, specs.policy, 'policy'),
    cost: resolveName(links, specs.cost, 'cost'),
    listSize: resolveName(links, specs.cost, 'listSize'),
  };
  const metadata: SupergraphMetadata = {
    sdl,
    subgraphs: [],
    access: new Map(),
    ...readCostDirectives(document, { cost: names.cost, listSize: names.listSize }),
  };

  const record = (key: string, directives: readonly ConstDirectiveNode[] | undefined): void => {
    for (const directive of directives ?? []) {
      const name = directive.name.value;
      const args = directiveArgs(directive);
      const push = (requirement: AccessRequirement) =>
        metadata.access.set(key, [...(metadata.access.get(key) ?? []), requirement]);
      if (name === names.authenticated) push({ kind: 'authenticated' });
      else if (name === names.requiresScopes) push({ kind: 'scopes', anyOf: args.scopes as string[][] });
      else if (name === names.policy) push({ kind: 'policies', anyOf: args.policies as string[][] });
    }
  };

  for (const definition of document.definitions as DefinitionNode[]) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === names.graphEnum) {
      for (const value of definition.values ?? []) {
        const graph = value.directives?.find((d) => d.name.value === names.graph);
        if (graph) metadata.subgraphs.push(directiveArgs(graph) as { name: string; url: string });
      }
    }
    if (!('name' in definition) || !definition.name || !('directives' in definition)) continue;
    const typeName = definition.name.value;
    record(typeName, definition.directives as readonly ConstDirectiveNode[] | undefined);
    if ('fields' in definition) {
      for (const field of definition.fields ?? []) {
        record(`${typeName}.${field.name.value}`, field.directives);
        for (const arg of 'arguments' in field ? (field.arguments ?? []) : []) {
          record(`${typeName}.${field.name.value}(${arg.name.value})`, arg.directives);
        }
      }
    }
  }
  return metadata;
}

/** A subgraph's URL after overrides (matched case-insensitively by subgraph name, like override_subgraph_url). */
export function subgraphUrl(
  name: string,
  url: string,
  overrides: Readonly<Record<string, string>> = {},
): string {
  const key = Object.keys(overrides).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? (overrides[key] as string) : url;
}

/** Security features this router enforces itself (see useAuthorization). */
const enforcedSecuritySpecs = [specs.authenticated, specs.requiresScopes, specs.policy];

/**
 * @apollo/gateway refuses any `for: SECURITY` feature it does not enforce, as the link spec requires. The router
 * enforces these three, so it hands the gateway the supergraph without their `for: SECURITY`; any other
 * security feature still makes the gateway refuse the supergraph.
 */
export function supergraphForGateway(sdl: string): string {
  let changed = false;
  const document = visit(parse(sdl), {
    Directive(node) {
      if (node.name.value !== 'link') return undefined;
      const url = node.arguments?.find((a) => a.name.value === 'url')?.value;
      if (url?.kind !== Kind.STRING || !enforcedSecuritySpecs.some((spec) => url.value.startsWith(spec)))
        return undefined;
      changed = true;
      return { ...node, arguments: node.arguments?.filter((a) => a.name.value !== 'for') };
    },
  });
  return changed ? print(document) : sdl;
}
