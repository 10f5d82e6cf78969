import { describe, expect, it } from 'vitest';
import { addBusinessDays, compareQueueOrder, getDueAt, isOverdue, type Priority } from './turnaround.ts';
import type { Status } from './stages.ts';

const utc = (iso: string) => new Date(`${iso}Z`);

describe('getDueAt', () => {
  // 2026-03-02 is a Monday.
  it.each([
    ['URGENT', '2026-03-06T16:00:00', '2026-03-07T16:00:00'], // wall-clock, weekend included
    ['HIGH', '2026-03-06T16:00:00', '2026-03-08T16:00:00'],
    ['NORMAL', '2026-03-02T09:30:00', '2026-03-09T09:30:00'], // Monday -> next Monday
    ['NORMAL', '2026-03-04T09:30:00', '2026-03-11T09:30:00'], // Wednesday -> next Wednesday
    ['NORMAL', '2026-03-06T16:00:00', '2026-03-13T16:00:00'], // Friday -> next Friday
    ['NORMAL', '2026-03-07T10:00:00', '2026-03-16T00:00:00'], // Saturday counts from Monday 00:00
    ['NORMAL', '2026-03-08T23:59:00', '2026-03-16T00:00:00'], // Sunday likewise
    ['LOW', '2026-03-02T09:30:00', '2026-03-16T09:30:00'],
    ['LOW', '2026-03-06T16:00:00', '2026-03-20T16:00:00'],
  ] as [Priority, string, string][])('%s received %s is due %s', (priority, receivedAt, dueAt) => {
    expect(getDueAt(priority, utc(receivedAt))).toEqual(utc(dueAt));
  });

  it('adds zero business days as the start, moved off a weekend', () => {
    expect(addBusinessDays(utc('2026-03-03T12:00:00'), 0)).toEqual(utc('2026-03-03T12:00:00'));
    expect(addBusinessDays(utc('2026-03-07T12:00:00'), 0)).toEqual(utc('2026-03-09T00:00:00'));
  });
});

describe('isOverdue', () => {
  const dueAt = utc('2026-03-09T09:30:00');
  it.each([
    ['IN_PREP', '2026-03-09T09:29:59', false],
    ['IN_PREP', '2026-03-09T09:30:00', false],
    ['IN_PREP', '2026-03-09T09:30:01', true],
    ['ON_HOLD', '2026-03-10T00:00:00', true],
    ['FAILED', '2026-03-10T00:00:00', true],
    ['COMPLETED', '2026-03-10T00:00:00', false],
    ['DISTRIBUTED', '2026-03-10T00:00:00', false],
    ['ARCHIVED', '2026-03-10T00:00:00', false],
    ['CANCELLED', '2026-03-10T00:00:00', false],
  ] as [Status, string, boolean][])('%s at %s: %s', (status, now, expected) => {
    expect(isOverdue({ status, dueAt }, utc(now))).toBe(expected);
  });

  it('is never overdue without a due date (not yet received)', () => {
    expect(isOverdue({ status: 'SUBMITTED', dueAt: null }, utc('2030-01-01T00:00:00'))).toBe(false);
  });
});

describe('compareQueueOrder', () => {
  it('orders urgent, high, normal, low, then oldest, then by id', () => {
    const item = (id: string, priority: Priority, day: number) => ({
      id,
      priority,
      queuedAt: new Date(Date.UTC(2026, 2, day)),
    });
    const items = [
      item('l1', 'LOW', 1),
      item('n2', 'NORMAL', 2),
      item('u3', 'URGENT', 3),
      item('n1', 'NORMAL', 1),
      item('h5', 'HIGH', 5),
      item('u2b', 'URGENT', 2),
      item('u2a', 'URGENT', 2),
    ];
    expect(items.sort(compareQueueOrder).map((i) => i.id)).toEqual([
      'u2a',
      'u2b',
      'u3',
      'h5',
      'n1',
      'n2',
      'l1',
    ]);
  });
});
