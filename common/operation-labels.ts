/** The label of operations whose name is not (or may not become) one of the labelled names. */
export const OTHER_OPERATIONS = 'other';
const MAX_LABELLED_NAME_LENGTH = 100;

/**
 * Operation names as metric labels, bounded: every label value is a series kept for the life of the process and
 * sent on every scrape, and a client can make up names without end. The first `max` names of operations that
 * ran (`admit`: they passed validation) keep their own label; any other name, and any name of a request that
 * failed before running, counts as `other` unless already labelled.
 */
export type OperationLabels = (name: string, admit: boolean) => string;

export function createOperationLabels(max = 100): OperationLabels {
  const labelled = new Set<string>();
  return (name, admit) => {
    if (labelled.has(name)) return name;
    if (!admit || labelled.size >= max || name.length > MAX_LABELLED_NAME_LENGTH) return OTHER_OPERATIONS;
    labelled.add(name);
    return name;
  };
}
