// Small documents that describe huge operations: what the operation limits must refuse cheaply (tests, bench).

/**
 * `levels` fragments, each spreading the next twice: about 1 KB at 30 levels, 2^levels leaves once expanded.
 * `select` places the first spread (default at the root), `on` is the fragments' type, `leaf` the last one's body.
 */
export function fragmentFanOut(
  levels: number,
  options: { on?: string; select?: (spread: string) => string; leaf?: string } = {},
): string {
  const { on = 'Query', select = (spread: string) => `{ ${spread} }`, leaf = '__typename' } = options;
  const lines = [`query FanOut ${select('...F0')}`];
  for (let i = 0; i < levels; i++) lines.push(`fragment F${i} on ${on} { ...F${i + 1} ...F${i + 1} }`);
  lines.push(`fragment F${levels} on ${on} { ${leaf} }`);
  return lines.join('\n');
}

/** One root selection set of `count` aliased __typename fields. */
export function aliasedTypenames(count: number): string {
  return `query Aliases { ${Array.from({ length: count }, (_, i) => `t${i}: __typename`).join(' ')} }`;
}
