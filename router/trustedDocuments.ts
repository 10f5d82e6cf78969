// The trusted documents manifest: the operations our clients were built with, as graphql-codegen's client preset
// writes them (`presetConfig.persistedDocuments`: persisted-documents.json, an object of document id -> document
// text, the id being `sha256:<hex>` of that text by default). Read once at start; see useTrustedDocuments.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Kind, parse, print, visit, type ASTNode, type DocumentNode } from 'graphql';

/** Largest manifest file read (a client's few hundred operations take well under 1 MB). */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** Longest document id accepted in the manifest or from a client. */
export const MAX_DOCUMENT_ID_LENGTH = 200;
/** Texts that were not a manifest text verbatim, by their SHA-256, with their verdict (bounded: clients make texts up). */
const MAX_REMEMBERED_TEXTS = 1000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The document with its insignificant differences removed: whitespace, commas and comments (by printing it), and
 * the order of definitions, of selections in each selection set, of arguments and of variable definitions (the
 * client preset sorts them when it writes the manifest; a client sends them as written). Documents equal here
 * select the same data. undefined when the text does not parse (within `maxTokens`).
 */
export function canonicalDocument(text: string, maxTokens: number): string | undefined {
  let document: DocumentNode;
  try {
    document = parse(text, { noLocation: true, maxTokens });
  } catch {
    return undefined;
  }
  const byPrint = <T extends ASTNode>(nodes: readonly T[] | undefined) =>
    nodes &&
    [...nodes].map((node) => [print(node), node] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const byName = <T extends { name: { value: string } }>(nodes: readonly T[] | undefined) =>
    nodes &&
    [...nodes].sort((a, b) => (a.name.value < b.name.value ? -1 : a.name.value > b.name.value ? 1 : 0));
  const sorted = visit(document, {
    // leave: children are sorted before their parent sorts them by their printed text.
    SelectionSet: { leave: (node) => ({ ...node, selections: byPrint(node.selections)!.map(([, n]) => n) }) },
    Field: { leave: (node) => ({ ...node, arguments: byName(node.arguments) }) },
    Directive: { leave: (node) => ({ ...node, arguments: byName(node.arguments) }) },
    OperationDefinition: {
      leave: (node) => ({
        ...node,
        variableDefinitions:
          node.variableDefinitions &&
          [...node.variableDefinitions].sort((a, b) =>
            a.variable.name.value < b.variable.name.value
              ? -1
              : a.variable.name.value > b.variable.name.value
                ? 1
                : 0,
          ),
      }),
    },
    Document: { leave: (node) => ({ ...node, definitions: byPrint(node.definitions)!.map(([, n]) => n) }) },
  });
  return print(sorted);
}

export interface TrustedDocumentManifest {
  /** Where it was read from (for logs). */
  source: string;
  /** Number of documents. */
  size: number;
  /** The text of a document by its manifest id (`sha256:<hex>`, or the hex alone, as a client sends it). */
  byId(id: string): string | undefined;
  /** The text of a document by the SHA-256 hex of its text (Apollo's extensions.persistedQuery.sha256Hash). */
  bySha256(hex: string): string | undefined;
  /** The manifest id of a document text, verbatim or equal to one up to canonicalDocument; undefined if none. */
  idOfText(text: string): string | undefined;
}

/** Refuses a document id whose hash does not match its text (a manifest edited by hand, or a different file). */
function checkId(id: string, text: string): string | undefined {
  const hex = /^(?:sha256:)?([0-9a-f]{64})$/i.exec(id)?.[1];
  if (hex && hex.toLowerCase() !== sha256(text)) return `"${id}" is not the SHA-256 of its document`;
  if (/^[0-9a-f]{40}$/i.test(id) && id.toLowerCase() !== createHash('sha1').update(text).digest('hex'))
    return `"${id}" is not the SHA-1 of its document`;
  return undefined;
}

/**
 * Builds the manifest from its JSON text. Throws an Error saying what is wrong: not a JSON object, no documents,
 * an id too long, a value that is not an executable GraphQL document, a hash id that does not match its text.
 */
export function parseTrustedDocumentManifest(
  json: string,
  source: string,
  options: { maxTokens?: number } = {},
): TrustedDocumentManifest {
  const maxTokens = options.maxTokens ?? 15_000;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`${source} is not JSON (${(error as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`${source} must be a JSON object of document id -> document text`);
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) throw new Error(`${source} holds no documents`);
  const ids = new Map<string, string>();
  const hashes = new Map<string, string>();
  const texts = new Map<string, string>();
  const canonical = new Map<string, string>();
  for (const [id, text] of entries) {
    if (id.length === 0 || id.length > MAX_DOCUMENT_ID_LENGTH)
      throw new Error(`${source}: a document id must have 1 to ${MAX_DOCUMENT_ID_LENGTH} characters`);
    if (typeof text !== 'string') throw new Error(`${source}: the document "${id}" is not a string`);
    const form = canonicalDocument(text, maxTokens);
    if (form === undefined) throw new Error(`${source}: the document "${id}" is not valid GraphQL`);
    const executable = parse(text, { noLocation: true }).definitions.every(
      (d) => d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION,
    );
    if (!executable) throw new Error(`${source}: the document "${id}" is not an executable document`);
    const wrongId = checkId(id, text);
    if (wrongId) throw new Error(`${source}: ${wrongId}`);
    ids.set(id, text);
    hashes.set(sha256(text), text);
    texts.set(text, id);
    canonical.set(form, id);
  }
  const remembered = new Map<string, string | null>();
  return {
    source,
    size: ids.size,
    byId: (id) => ids.get(id) ?? hashes.get(/^sha256:([0-9a-f]{64})$/.exec(id)?.[1] ?? ''),
    bySha256: (hex) => hashes.get(hex),
    idOfText(text) {
      const exact = texts.get(text);
      if (exact !== undefined) return exact;
      const key = sha256(text);
      let verdict = remembered.get(key);
      if (verdict === undefined) {
        const form = canonicalDocument(text, maxTokens);
        verdict = (form !== undefined && canonical.get(form)) || null;
        if (remembered.size >= MAX_REMEMBERED_TEXTS) remembered.delete(remembered.keys().next().value!);
        remembered.set(key, verdict);
      }
      return verdict ?? undefined;
    },
  };
}

/** Reads the manifest file; throws an Error naming the file and the problem. */
export function loadTrustedDocumentManifest(
  path: string,
  options: { maxTokens?: number } = {},
): TrustedDocumentManifest {
  let json: string;
  try {
    const { size } = statSync(path);
    if (size > MAX_MANIFEST_BYTES) throw new Error(`larger than ${MAX_MANIFEST_BYTES} bytes`);
    json = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseTrustedDocumentManifest(json, path, options);
}
