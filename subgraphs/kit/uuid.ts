// Ids from clients are checked before they reach a query: PostgreSQL refuses the whole statement over one value
// that is not a uuid, where the answer should be "not found" or a named input error.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` can be a uuid column's value at all. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
