// The shapes a scanned page prints, found in the pixels of the straightened page, so the quote reader's layout
// rules (which read a digital PDF's drawn shapes) read a scan the same way: ruling lines (table borders), checkbox
// and radio frames, and the marks inside them. Runs in the render worker, beside the page image.
//
// - A ruling line is a run of ink at least RULE_MIN_PT long, merged over the adjacent pixel rows (or columns) it
//   covers. Rules are grey in the quote, so their ink threshold is lighter than the text's.
// - A control is a connected blob of ink about a control's size, square, and hollow (its frame is thin). Whether
//   it is marked is decided from the ink in its core: a tick or a dot fills it, an empty frame leaves it paper.
//   It becomes the shapes a renderer paints: the frame, a white interior, and (when marked) a dark mark, so
//   quote-pdf/checkboxes.ts reads it unchanged. Ink between "empty" and "marked" becomes a grey mark: ambiguous.
// - A grid cell is the space between two adjacent horizontal rules and two adjacent vertical rules crossing
//   both; cells with ink are returned (in pixels) so the recognizer can re-read the ones its page layout missed.
import type { PaintedShape } from '../../kit/page-model.ts';
import { paperAndInk } from './levels.ts';

/** A rectangle in pixels of the page image. */
export interface PixelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PageShapes {
  /** In points from the page's top-left, in paint order. */
  shapes: PaintedShape[];
  /** Grid cells holding ink, in pixels: candidates for re-reading one cell at a time. */
  inkedCells: PixelBox[];
  /** Control frames, in pixels: OCR words inside them are the frame misread as a letter. */
  controls: PixelBox[];
}

const RULE_MIN_PT = 30;
/** A column border spans at least a couple of rows; a tall heading's letter stem is shorter. */
const VERTICAL_RULE_MIN_PT = 20;
/**
 * Rules this much darker than the paper are ink: the quote's grey table borders (about 190) are, its header
 * row's light grey band (about 219) is not, so the border under the band is still a rule of its own.
 */
const RULE_CONTRAST = 40;
/** A control's bevelled lower right side is lighter still (about 225). */
const CONTROL_CONTRAST = 28;
const CONTROL_MIN_PT = 8.2;
const CONTROL_MAX_PT = 16;
/** A frame's ink, its mark included, covers at most this share of its box (a blot covers more). */
const CONTROL_MAX_FILL = 0.75;
/** Share of the core inked: at or above MARKED it is ticked, at or below EMPTY it is empty, between: ambiguous. */
const CORE_MARKED = 0.14;
const CORE_EMPTY = 0.04;
/** A cell holding fewer ink pixels than this (per 300-dpi pixel) is empty: specks of noise. */
const CELL_MIN_INK_AT_300 = 25;
/** A cell is read this far inside its borders, points. */
const CELL_INSET_PT = 1.2;

const grey = (level: number): readonly [number, number, number] => {
  const v = Math.round((level / 255) * 1000) / 1000;
  return [v, v, v];
};

interface Segment {
  start: number;
  end: number;
  /** First and last row (or column) it covers. */
  from: number;
  to: number;
  sum: number;
  count: number;
}

/**
 * Long runs of ink along one axis, merged across neighbouring rows: `along` is the run's axis length, `across`
 * the other; `at(a, b)` is the pixel at position a along the run, b across.
 */
function rules(
  along: number,
  across: number,
  at: (a: number, b: number) => number,
  threshold: number,
  minLength: number,
): Segment[] {
  const done: Segment[] = [];
  let open: Segment[] = [];
  for (let b = 0; b < across; b++) {
    let next: Segment[] = [];
    let a = 0;
    while (a < along) {
      if (at(a, b) >= threshold) {
        a++;
        continue;
      }
      const start = a;
      let sum = 0;
      while (a < along && at(a, b) < threshold) sum += at(a++, b);
      if (a - start < minLength) continue;
      // A blurred rule's lighter edge row breaks into pieces where the full row below does not: every piece
      // touching this run belongs to the same rule.
      const touching = [...open, ...next].filter(
        (s) => s.to >= b - 1 && Math.min(s.end, a) - Math.max(s.start, start) > 0,
      );
      const merged = touching.reduce(
        (into, s) => ({
          start: Math.min(into.start, s.start),
          end: Math.max(into.end, s.end),
          from: Math.min(into.from, s.from),
          to: b,
          sum: into.sum + s.sum,
          count: into.count + s.count,
        }),
        { start, end: a, from: b, to: b, sum, count: a - start },
      );
      open = open.filter((s) => !touching.includes(s));
      next = next.filter((s) => !touching.includes(s));
      next.push(merged);
    }
    done.push(...open);
    open = next;
  }
  return [...done, ...open];
}

interface Blob {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  ink: number;
}

/** Connected blobs of ink (8-connected by overlapping runs of neighbouring rows), their boxes and ink counts. */
function blobs(pixels: Uint8Array, width: number, height: number, threshold: number): Blob[] {
  const parent: number[] = [];
  const info: Blob[] = [];
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  let previous: Array<[number, number, number]> = [];
  for (let y = 0; y < height; y++) {
    const current: Array<[number, number, number]> = [];
    let x = 0;
    const row = y * width;
    while (x < width) {
      if (pixels[row + x]! >= threshold) {
        x++;
        continue;
      }
      const start = x;
      while (x < width && pixels[row + x]! < threshold) x++;
      const id = parent.length;
      parent.push(id);
      info.push({ x0: start, y0: y, x1: x, y1: y + 1, ink: x - start });
      for (const [ps, pe, pid] of previous) {
        if (pe < start || ps > x) continue;
        const [a, b] = [find(pid), find(id)];
        if (a !== b) parent[b] = a;
      }
      current.push([start, x, id]);
    }
    previous = current;
  }
  const merged = new Map<number, Blob>();
  info.forEach((run, i) => {
    const root = find(i);
    const blob = merged.get(root);
    if (!blob) merged.set(root, { ...run });
    else {
      blob.x0 = Math.min(blob.x0, run.x0);
      blob.y0 = Math.min(blob.y0, run.y0);
      blob.x1 = Math.max(blob.x1, run.x1);
      blob.y1 = Math.max(blob.y1, run.y1);
      blob.ink += run.ink;
    }
  });
  return [...merged.values()];
}

function inkIn(pixels: Uint8Array, width: number, box: PixelBox, threshold: number): number {
  let ink = 0;
  for (let y = box.y; y < box.y + box.h; y++)
    for (let x = box.x; x < box.x + box.w; x++) if (pixels[y * width + x]! < threshold) ink++;
  return ink;
}

/** Ruling lines, controls and inked grid cells of one straightened page image. */
export function findPageShapes(pixels: Uint8Array, width: number, height: number, dpi: number): PageShapes {
  const { paper, threshold } = paperAndInk(pixels);
  const ruleThreshold = Math.max(threshold, paper - RULE_CONTRAST);
  const pt = (px: number): number => Math.round(((px * 72) / dpi) * 100) / 100;
  const px = (points: number): number => Math.round((points * dpi) / 72);
  const shapes: PaintedShape[] = [];
  const add = (shape: Omit<PaintedShape, 'order'>): void =>
    void shapes.push({ ...shape, order: shapes.length });

  const horizontal = rules(width, height, (a, b) => pixels[b * width + a]!, ruleThreshold, px(RULE_MIN_PT));
  const vertical = rules(
    height,
    width,
    (a, b) => pixels[a * width + b]!,
    ruleThreshold,
    px(VERTICAL_RULE_MIN_PT),
  );
  // A rule thicker than a border is a filled block or a bold letter's stem, not a border.
  const thin = (s: Segment): boolean => s.to - s.from + 1 <= Math.max(2, px(1.5));
  const hRules = horizontal.filter(thin).sort((a, b) => a.from - b.from);
  const vRules = vertical.filter(thin).sort((a, b) => a.from - b.from);
  for (const s of hRules) {
    const thickness = s.to - s.from + 1;
    const box = { x: pt(s.start), y: pt(s.from), w: pt(s.end - s.start), h: pt(thickness) };
    add({ box, fill: null, stroke: grey(s.sum / s.count), lineWidth: pt(thickness), curved: false });
  }
  for (const s of vRules) {
    const thickness = s.to - s.from + 1;
    const box = { x: pt(s.from), y: pt(s.start), w: pt(thickness), h: pt(s.end - s.start) };
    add({ box, fill: null, stroke: grey(s.sum / s.count), lineWidth: pt(thickness), curved: false });
  }

  const controls: PixelBox[] = [];
  for (const blob of blobs(pixels, width, height, Math.max(threshold, paper - CONTROL_CONTRAST))) {
    const [w, h] = [blob.x1 - blob.x0, blob.y1 - blob.y0];
    if (Math.min(w, h) < px(CONTROL_MIN_PT) || Math.max(w, h) > px(CONTROL_MAX_PT)) continue;
    if (w / h < 0.75 || w / h > 1.33 || blob.ink > CONTROL_MAX_FILL * w * h) continue;
    const box = { x: blob.x0, y: blob.y0, w, h };
    // The middle 40 %: inside a radio's ring and a box's bevel, where a tick or a dot always passes.
    const core = {
      x: box.x + Math.round(0.3 * w),
      y: box.y + Math.round(0.3 * h),
      w: Math.round(0.4 * w),
      h: Math.round(0.4 * h),
    };
    const coreShare = inkIn(pixels, width, core, threshold) / (core.w * core.h);
    const cornerInk = inkIn(
      pixels,
      width,
      { x: box.x, y: box.y, w: Math.max(1, Math.round(w / 8)), h: Math.max(1, Math.round(h / 8)) },
      threshold,
    );
    controls.push(box);
    const frame = { x: pt(box.x), y: pt(box.y), w: pt(w), h: pt(h) };
    const curved = cornerInk === 0;
    add({ box: frame, fill: null, stroke: grey(64), lineWidth: pt(1), curved });
    const inset = Math.max(1, Math.round(w / 8));
    const interior = {
      x: pt(box.x + inset),
      y: pt(box.y + inset),
      w: pt(w - 2 * inset),
      h: pt(h - 2 * inset),
    };
    add({ box: interior, fill: [1, 1, 1], stroke: null, lineWidth: 0, curved });
    if (coreShare > CORE_EMPTY) {
      const level = coreShare >= CORE_MARKED ? 0 : 0.5;
      add({
        box: { x: pt(core.x), y: pt(core.y), w: pt(core.w), h: pt(core.h) },
        fill: [level, level, level],
        stroke: null,
        lineWidth: 0,
        curved,
      });
    }
  }

  return { shapes, inkedCells: gridCells(pixels, width, hRules, vRules, threshold, dpi), controls };
}

function overlapArea(a: PixelBox, b: PixelBox): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Cells of ruled tables that hold ink, in pixels, their borders left out. */
function gridCells(
  pixels: Uint8Array,
  width: number,
  hRules: Segment[],
  vRules: Segment[],
  threshold: number,
  dpi: number,
): PixelBox[] {
  const minInk = Math.round(CELL_MIN_INK_AT_300 * (dpi / 300) ** 2);
  const maxRowHeight = Math.round((40 * dpi) / 72);
  const inset = Math.max(2, Math.round((CELL_INSET_PT * dpi) / 72));
  const cells: PixelBox[] = [];
  const overlap = (a: Segment, b: Segment): number =>
    (Math.min(a.end, b.end) - Math.max(a.start, b.start)) / Math.min(a.end - a.start, b.end - b.start);
  for (const top of hRules) {
    // The rules further down the same table (rules of other tables beside it do not bound its rows).
    const below = hRules.filter((h) => h.from > top.to + 1 && overlap(top, h) > 0.5);
    if (below.length === 0) continue;
    const crossing = vRules
      .filter((v) => v.start <= top.to + 2 && v.from >= top.start - 3 && v.to <= top.end + 3)
      .sort((a, b) => a.from - b.from);
    for (let j = 0; j + 1 < crossing.length; j++) {
      const [left, right] = [crossing[j]!, crossing[j + 1]!];
      // The next rule under this cell: a scan's rule broken over some columns bounds only the others, and a
      // cell whose lower rule was lost reaches down to the next one found (its lines are placed back by row).
      const bottom = below.find((h) => h.start <= left.to + 3 && h.end >= right.from - 3);
      if (!bottom || left.end < bottom.from - 2 || right.end < bottom.from - 2) continue;
      const gap = bottom.from - top.to - 1;
      if (gap < 4 || gap > maxRowHeight) continue;
      // Clear of the borders' blurred edges, which tesseract reads as strokes ("po" for "2").
      const box = {
        x: left.to + inset,
        y: top.to + inset,
        w: right.from - left.to - 2 * inset,
        h: bottom.from - top.to - 2 * inset,
      };
      // A rule found as two pieces bounds the same cell twice.
      if (box.w < 4 || box.h < 4 || cells.some((cell) => overlapArea(cell, box) > 0.5 * box.w * box.h))
        continue;
      if (inkIn(pixels, width, box, threshold) >= minInk) cells.push(box);
    }
  }
  return cells;
}
