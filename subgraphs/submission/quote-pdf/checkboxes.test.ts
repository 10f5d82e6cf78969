// The tick rule on synthetic controls, drawn as the two renderers draw them: iLab's wkhtmltopdf 0.12.4 (Qt 4,
// bevelled frames; shapes copied from the real quote) and Debian's 0.12.6 (Qt 5, outlined frames).
import { describe, expect, it } from 'vitest';
import { readControl } from './checkboxes.ts';
import { line, page, shape } from './testing.ts';
import type { PaintedShape } from './vector-shapes.ts';

const WHITE = [1, 1, 1] as const;
const BLACK = [0, 0, 0] as const;
const GRAY = [0.5, 0.5, 0.5] as const;
const DARK = [0.25, 0.25, 0.25] as const;
const LIGHT = [0.83, 0.82, 0.78] as const;

/** Qt 4 radio (first option of the real quote, page 1): bevel halves, then the white interior. */
const qt4Radio = (): PaintedShape[] => [
  shape({ x: 43.8, y: 494.6, w: 8.1, h: 8.1 }, { fill: GRAY, curved: true }, 1),
  shape({ x: 45.6, y: 496.3, w: 8.1, h: 8.1 }, { fill: WHITE, curved: true }, 2),
  shape({ x: 44.7, y: 495.5, w: 6.6, h: 6.6 }, { fill: DARK, curved: true }, 3),
  shape({ x: 46.1, y: 496.9, w: 6.6, h: 6.6 }, { fill: LIGHT, curved: true }, 4),
  shape({ x: 45.9, y: 496.6, w: 5.7, h: 5.7 }, { fill: WHITE, curved: true }, 5),
];
const qt4Dot = shape({ x: 47.5, y: 498.3, w: 2.5, h: 2.5 }, { fill: BLACK, curved: true }, 6);

/** Qt 4 checkbox (PCR Amplicons in the real quote): bevel strips, the white interior, then the tick. */
const qt4Checkbox = (): PaintedShape[] => [
  shape({ x: 44.3, y: 626.3, w: 0.8, h: 9.7 }, { fill: GRAY }, 1),
  shape({ x: 45.1, y: 626.3, w: 8.9, h: 0.8 }, { fill: GRAY }, 2),
  shape({ x: 45.1, y: 635.2, w: 8.9, h: 0.8 }, { fill: LIGHT }, 3),
  shape({ x: 53.2, y: 627.1, w: 0.8, h: 8.9 }, { fill: LIGHT }, 4),
  shape({ x: 45.1, y: 627.1, w: 0.8, h: 8.1 }, { fill: DARK }, 5),
  shape({ x: 45.9, y: 627.1, w: 7.3, h: 0.8 }, { fill: DARK }, 6),
  shape({ x: 45.9, y: 634.4, w: 7.3, h: 0.8 }, { fill: WHITE }, 7),
  shape({ x: 52.4, y: 627.9, w: 0.8, h: 7.3 }, { fill: WHITE }, 8),
  shape({ x: 45.9, y: 627.9, w: 6.5, h: 6.5 }, { fill: WHITE }, 9),
];
const qt4Tick = shape({ x: 46.3, y: 627.2, w: 6.5, h: 8.1 }, { fill: BLACK }, 10);

/** Qt 5 checkbox: one white box with a black outline; ticked adds two black strokes (an X). */
const qt5Box = shape({ x: 49.4, y: 570.1, w: 8.5, h: 8.5 }, { fill: WHITE, stroke: BLACK }, 1);
const qt5Cross = [
  shape({ x: 50.0, y: 570.7, w: 7.9, h: 7.9 }, { stroke: BLACK }, 2),
  shape({ x: 50.0, y: 570.7, w: 7.9, h: 7.9 }, { stroke: BLACK }, 3),
];
const qt5Radio = shape(
  { x: 49.4, y: 486.6, w: 8.5, h: 8.5 },
  { fill: WHITE, stroke: BLACK, curved: true },
  1,
);
const qt5Dot = shape({ x: 50.6, y: 487.8, w: 5.6, h: 5.6 }, { fill: BLACK, stroke: BLACK, curved: true }, 2);

const qt4RadioLine = line('Ligation Sequencing (SQK-LSK114)', 58.5, 502.5);
const qt4BoxLine = line('PCR Amplicons', 59.2, 634.5);
const qt5BoxLine = line('EB', 63.5, 577.6);
const qt5RadioLine = line('Yes', 63.5, 494.1);

describe('readControl', () => {
  it.each([
    ['Qt 4 radio, empty', qt4Radio(), qt4RadioLine, false],
    ['Qt 4 radio, dot', [...qt4Radio(), qt4Dot], qt4RadioLine, true],
    ['Qt 4 checkbox, empty', qt4Checkbox(), qt4BoxLine, false],
    ['Qt 4 checkbox, tick', [...qt4Checkbox(), qt4Tick], qt4BoxLine, true],
    ['Qt 5 checkbox, empty', [qt5Box], qt5BoxLine, false],
    ['Qt 5 checkbox, cross', [qt5Box, ...qt5Cross], qt5BoxLine, true],
    ['Qt 5 radio, empty', [qt5Radio], qt5RadioLine, false],
    ['Qt 5 radio, dot', [qt5Radio, qt5Dot], qt5RadioLine, true],
  ] as const)('%s', (_name, shapes, textLine, selected) => {
    const reading = readControl(page([...shapes]), textLine);
    expect(reading).toMatchObject({ selected, method: 'mark+geometry', flags: [] });
    expect(reading.source).not.toBeNull();
    // The control is the thing left of the text, on the same line.
    expect(reading.source!.x + reading.source!.w).toBeLessThan(textLine.x);
    expect(reading.fit).toBeGreaterThan(0.7);
  });

  it('does not take the dark bevel (painted before the interior) for a mark', () => {
    const reading = readControl(page(qt4Radio()), qt4RadioLine);
    expect(reading.selected).toBe(false);
  });

  it('a mark painted before the interior is hidden under it, so the box is empty', () => {
    const hidden = { ...qt4Tick, order: 0 };
    expect(readControl(page([hidden, ...qt4Checkbox()]), qt4BoxLine).selected).toBe(false);
  });

  it('a grey smudge in the box is neither a tick nor nothing: AMBIGUOUS_MARK', () => {
    const smudge = shape({ x: 47, y: 629, w: 3, h: 3 }, { fill: [0.55, 0.55, 0.55] }, 11);
    const reading = readControl(page([...qt4Checkbox(), smudge]), qt4BoxLine);
    expect(reading).toMatchObject({ selected: false, flags: ['AMBIGUOUS_MARK'] });
    expect(reading.fit).toBeLessThan(1);
  });

  it('an outline-only frame: the mark is inferred from its place, and flagged', () => {
    const outline = shape({ x: 49.4, y: 570.1, w: 8.5, h: 8.5 }, { stroke: BLACK }, 1);
    const dot = shape({ x: 51.5, y: 572.2, w: 4, h: 4 }, { fill: BLACK }, 2);
    expect(readControl(page([outline, dot]), qt5BoxLine)).toMatchObject({
      selected: true,
      method: 'inferred',
      flags: ['NO_CONTROL_FRAME'],
    });
    expect(readControl(page([outline]), qt5BoxLine)).toMatchObject({ selected: false, method: 'inferred' });
  });

  it('no control next to the text: unknown, never false', () => {
    expect(readControl(page([]), qt5BoxLine)).toMatchObject({
      selected: null,
      method: 'not-found',
      flags: ['NO_CONTROL_FRAME'],
    });
    expect(readControl(page([], false), qt5BoxLine)).toMatchObject({
      selected: null,
      flags: ['NO_VECTOR_LAYER'],
    });
  });

  it('a page whose drawing was not read in full makes a clean box doubtful', () => {
    const reading = readControl(page([qt5Box], false), qt5BoxLine);
    expect(reading).toMatchObject({ selected: false, flags: ['AMBIGUOUS_MARK'] });
  });

  it('ignores shapes that are not beside the text: other lines, far columns, table borders', () => {
    const below = shape({ x: 49.4, y: 600, w: 8.5, h: 8.5 }, { fill: BLACK }, 1);
    const farLeft = shape({ x: 10, y: 570.1, w: 8.5, h: 8.5 }, { fill: BLACK }, 2);
    const border = shape({ x: 40, y: 560, w: 0.8, h: 40 }, { fill: BLACK }, 3);
    expect(readControl(page([below, farLeft, border]), qt5BoxLine).selected).toBeNull();
  });

  it.each([
    ['☑ EB', true],
    ['☒ EB', true],
    ['☐ EB', false],
  ])('reads a state printed as a glyph: %s', (text, selected) => {
    expect(readControl(page([]), line(text, 50, 577.6))).toMatchObject({ selected, method: 'mark+geometry' });
  });
});
