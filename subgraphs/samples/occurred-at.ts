// When a staff action happened, as opposed to when it was recorded. Labs moving their records from a notebook or an
// earlier system (and `npm run seed`, which loads months of history through the graph) record moves that happened
// earlier; the history, the reception and completion times, the QC records and so the turnaround and analytics then
// tell when the work was done. The audit event keeps the time it was recorded and carries `occurredAt` beside it,
// so a backdated action is always visible as such.
import { badUserInput } from '../kit/errors.ts';

/** The oldest moment an action may be dated to: about five years, as far back as analytics reach. */
export const MAX_BACKDATE_MS = 5 * 366 * 24 * 3600 * 1000;

/**
 * `occurredAt` checked against the clock and the sample's own past: not in the future, not more than
 * MAX_BACKDATE_MS ago, and not before `notBefore` (the sample's creation or its latest history entry), so a
 * sample's history stays in order. BAD_USER_INPUT naming `field` and the rule otherwise.
 */
export function checkOccurredAt(
  occurredAt: Date,
  { now, notBefore, field = 'occurredAt' }: { now: Date; notBefore?: Date | null; field?: string },
): Date {
  if (Number.isNaN(occurredAt.getTime())) {
    throw badUserInput(`${field} is not a valid date-time`, { field, rule: 'OCCURRED_AT_INVALID' });
  }
  if (occurredAt.getTime() > now.getTime()) {
    throw badUserInput(`${field} is in the future`, { field, rule: 'OCCURRED_IN_FUTURE' });
  }
  if (now.getTime() - occurredAt.getTime() > MAX_BACKDATE_MS) {
    throw badUserInput(`${field} is more than five years ago`, { field, rule: 'OCCURRED_TOO_EARLY' });
  }
  if (notBefore && occurredAt.getTime() < notBefore.getTime()) {
    throw badUserInput(
      `${field} is before the sample's latest recorded change (${notBefore.toISOString()})`,
      {
        field,
        rule: 'OCCURRED_BEFORE_LAST_CHANGE',
      },
    );
  }
  return occurredAt;
}
