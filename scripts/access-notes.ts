// The access note of a protected type or field: one generated paragraph at the end of its description in the
// supergraph, so integrators see in GraphiQL and introspection which scope (and so which role) a field needs.
// It is derived only from the directives the router enforces (@authenticated, @requiresScopes, @policy, read by
// router/supergraphMetadata.ts) and the role -> scope table (subgraphs/auth/scopes.ts); the subgraph SDL never
// holds it, so it cannot drift from the directives.
import type { AccessRequirement } from '../router/supergraphMetadata.ts';
import { ROLE_SCOPES } from '../subgraphs/auth/scopes.ts';

const code = (name: string) => `\`${name}\``;

/** "a", "a and b", "a, b and c". */
function joinAll(words: readonly string[], last: 'and' | 'or'): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} ${last} ${words.at(-1)}`;
}

/** The roles whose scopes satisfy at least one of the AND-sets, in ROLE_SCOPES order. */
export function rolesGranting(anyOf: readonly (readonly string[])[]): string[] {
  return Object.entries(ROLE_SCOPES)
    .filter(([, scopes]) => anyOf.some((all) => all.every((scope) => scopes.includes(scope))))
    .map(([role]) => role);
}

function scopesSentence(anyOf: readonly (readonly string[])[]): string {
  const sets = anyOf.map((all) =>
    all.length === 1 ? `scope ${code(all[0]!)}` : `scopes ${joinAll(all.map(code), 'and')}`,
  );
  const roles = rolesGranting(anyOf);
  const granted =
    roles.length === 0
      ? 'no role grants it'
      : `${roles.length === 1 ? 'role' : 'roles'}: ${roles.join(', ')}`;
  return `Requires ${joinAll(sets, 'or')} (${granted}).`;
}

function policiesSentence(anyOf: readonly (readonly string[])[]): string {
  const sets = anyOf.map((all) =>
    all.length === 1 ? `policy ${code(all[0]!)}` : `policies ${joinAll(all.map(code), 'and')}`,
  );
  return `Requires ${joinAll(sets, 'or')} (router/policies.ts).`;
}

const SIGNED_IN = 'Requires a signed-in caller (any role).';

/**
 * The note for an element's requirements: one sentence per requirement, in directive order. A scope or policy
 * already needs a verified caller, so @authenticated beside one adds nothing and is left out.
 */
export function accessNote(requirements: readonly AccessRequirement[]): string {
  const specific = requirements.filter((r) => r.kind !== 'authenticated');
  if (specific.length === 0) return requirements.length > 0 ? SIGNED_IN : '';
  return specific
    .map((r) => (r.kind === 'scopes' ? scopesSentence(r.anyOf) : policiesSentence(r.anyOf)))
    .join(' ');
}

/** A paragraph this module wrote: one or more "Requires ..." sentences of the forms above, and nothing else. */
const NOTE_PARAGRAPH = /(?:^|\n\n)Requires (?:a signed-in caller|scopes? `|polic(?:y|ies) `)[^\n]*$/;

/**
 * The description with its access note as the last paragraph, replacing a note written before (so applying it
 * twice, or after a directive changed, gives one current note). An element without requirements loses its note.
 */
export function withAccessNote(
  description: string | undefined,
  requirements: readonly AccessRequirement[],
): string | undefined {
  const base = (description ?? '').replace(NOTE_PARAGRAPH, '').trimEnd();
  const note = accessNote(requirements);
  if (!note) return base || undefined;
  return base ? `${base}\n\n${note}` : note;
}
