import { describe, expect, it } from 'vitest';
import { checkOccurredAt, MAX_BACKDATE_MS } from './occurred-at.ts';

const now = new Date('2026-06-01T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const DAY = 24 * 3600 * 1000;

function ruleOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return (error as { extensions: { code: string; rule: string } }).extensions;
  }
  return null;
}

describe('checkOccurredAt', () => {
  it.each([
    ['now itself', now, undefined],
    ['90 days ago', ago(90 * DAY), undefined],
    ['just inside five years', ago(MAX_BACKDATE_MS), undefined],
    ['at the latest change', ago(DAY), ago(DAY)],
    ['after the latest change', ago(DAY), ago(2 * DAY)],
  ])('accepts %s', (_name, occurredAt, notBefore) => {
    expect(checkOccurredAt(occurredAt, { now, notBefore })).toEqual(occurredAt);
  });

  it.each([
    ['in the future', new Date(now.getTime() + 1), undefined, 'OCCURRED_IN_FUTURE'],
    ['over five years ago', ago(MAX_BACKDATE_MS + 1), undefined, 'OCCURRED_TOO_EARLY'],
    ['before the latest change', ago(2 * DAY), ago(DAY), 'OCCURRED_BEFORE_LAST_CHANGE'],
    ['not a date', new Date('nonsense'), undefined, 'OCCURRED_AT_INVALID'],
  ])('refuses %s', (_name, occurredAt, notBefore, rule) => {
    expect(ruleOf(() => checkOccurredAt(occurredAt, { now, notBefore, field: 'input.occurredAt' }))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.occurredAt',
      rule,
    });
  });
});
