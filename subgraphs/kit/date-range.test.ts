import { describe, expect, it } from 'vitest';
import { DateBoundScalar, DurationScalar, type DateBound, type Duration } from '../../common/scalars.ts';
import { resolveDateRange, subtractDuration } from './date-range.ts';

const bound = (text: string) => DateBoundScalar.parseValue(text) as DateBound;
const duration = (text: string) => DurationScalar.parseValue(text) as Duration;
const NOW = new Date('2026-03-31T10:00:00.000Z');

describe('DateBound', () => {
  it.each([
    ['2026-11-01', '2026-11-01T00:00:00.000Z', true],
    ['2024-02-29', '2024-02-29T00:00:00.000Z', true],
    ['2026-11-01T09:30:00+02:00', '2026-11-01T07:30:00.000Z', false],
    ['2026-11-01T09:30:00.123Z', '2026-11-01T09:30:00.123Z', false],
  ])('reads %s', (text, iso, dateOnly) => {
    expect(bound(text)).toEqual({ at: new Date(iso), dateOnly });
  });

  it.each(['2026-02-29', '2026-13-01', '2026-1-1', '01/11/2026', '2026-11-01 09:30', '', 'now'])(
    'refuses %j with BAD_USER_INPUT',
    (text) => {
      expect(() => DateBoundScalar.parseValue(text)).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
      );
    },
  );
});

describe('Duration', () => {
  it.each([
    ['P30D', { days: 30 }],
    ['P2W', { weeks: 2 }],
    ['PT12H', { hours: 12 }],
    ['P1Y2M', { years: 1, months: 2 }],
    ['P1DT6H30M15S', { days: 1, hours: 6, minutes: 30, seconds: 15 }],
  ])('reads %s', (text, parts) => {
    expect(duration(text)).toMatchObject({ text, ...parts });
  });

  it.each(['P', 'PT', 'P0D', 'PT0S', '30D', 'P1.5D', 'P-1D', 'p30d', 'P30DT', 'P99999Y', 'P1D '])(
    'refuses %j with BAD_USER_INPUT',
    (text) => {
      expect(() => DurationScalar.parseValue(text)).toThrow(
        expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
      );
    },
  );
});

describe('subtractDuration', () => {
  it('takes calendar years and months, exact weeks, days and hours (UTC)', () => {
    expect(subtractDuration(NOW, duration('P30D')).toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(subtractDuration(NOW, duration('P2W')).toISOString()).toBe('2026-03-17T10:00:00.000Z');
    expect(subtractDuration(NOW, duration('PT12H')).toISOString()).toBe('2026-03-30T22:00:00.000Z');
    expect(subtractDuration(NOW, duration('P1Y')).toISOString()).toBe('2025-03-31T10:00:00.000Z');
    // The day clamped to the shorter month, not rolled over into March.
    expect(subtractDuration(NOW, duration('P1M')).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(subtractDuration(new Date('2024-03-31T00:00:00Z'), duration('P1M')).toISOString()).toBe(
      '2024-02-29T00:00:00.000Z',
    );
    expect(subtractDuration(new Date('2026-01-15T00:00:00Z'), duration('P13M')).toISOString()).toBe(
      '2024-12-15T00:00:00.000Z',
    );
  });
});

describe('resolveDateRange', () => {
  it('makes a `from` date its day start and a `to` date its day end (exclusive next midnight)', () => {
    expect(resolveDateRange({ from: bound('2026-11-01'), to: bound('2026-11-30') }, NOW)).toEqual({
      from: new Date('2026-11-01T00:00:00.000Z'),
      to: new Date('2026-12-01T00:00:00.000Z'),
    });
    expect(resolveDateRange({ from: bound('2026-11-01'), to: bound('2026-11-01') }, NOW)).toEqual({
      from: new Date('2026-11-01T00:00:00.000Z'),
      to: new Date('2026-11-02T00:00:00.000Z'),
    });
  });

  it('keeps date-times exact, and either side open', () => {
    expect(resolveDateRange({ to: bound('2026-11-01T12:00:00Z') }, NOW)).toEqual({
      from: null,
      to: new Date('2026-11-01T12:00:00.000Z'),
    });
    expect(resolveDateRange({}, NOW)).toEqual({ from: null, to: null });
  });

  it('makes `last` the period up to now', () => {
    expect(resolveDateRange({ last: duration('P30D') }, NOW)).toEqual({
      from: new Date('2026-03-01T10:00:00.000Z'),
      to: NOW,
    });
    expect(resolveDateRange({ last: duration('P5Y') }, NOW).from).toEqual(
      new Date('2021-03-31T10:00:00.000Z'),
    );
  });

  it.each<[{ from?: string; to?: string; last?: string }, string, string]>([
    [{ last: 'P1D', from: '2026-01-01' }, 'created.last', 'RANGE_CONFLICT'],
    [{ last: 'P5YT1S' }, 'created.last', 'PERIOD_TOO_LONG'],
    [{ last: 'P261W' }, 'created.last', 'PERIOD_TOO_LONG'],
    [{ from: '2026-11-02', to: '2026-11-01' }, 'created.to', 'RANGE_ORDER'],
    [{ from: '2026-11-01T00:00:00Z', to: '2026-11-01T00:00:00Z' }, 'created.to', 'RANGE_ORDER'],
  ])('refuses %j: BAD_USER_INPUT on %s, rule %s', (input, field, rule) => {
    const parsed = {
      from: input.from ? bound(input.from) : null,
      to: input.to ? bound(input.to) : null,
      last: input.last ? duration(input.last) : null,
    };
    expect(() => resolveDateRange(parsed, NOW, 'created')).toThrow(
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field, rule }),
      }),
    );
  });
});
