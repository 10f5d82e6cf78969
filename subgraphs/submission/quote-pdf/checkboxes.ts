// Which checkbox and radio options are ticked, read from the drawing, never from the text: every option's text
// is printed whether ticked or not (the earlier system took "the first option after the heading").
//
// A control is the cluster of small shapes just left of an option's text. Renderers draw it as a frame whose
// last light fill is the interior (Qt 4's bevelled box or circle; Qt 5's white box with a black outline), then,
// only when ticked, a dark mark inside that interior: a tick polygon, a dot, or two crossed strokes. So: a dark
// shape painted after the interior and centred inside it means ticked; none means empty.
import type { TextLine } from './layout.ts';
import { roundBox } from './layout.ts';
import type { PdfPageModel } from './read-pdf.ts';
import type { PaintedShape, Rgb } from './vector-shapes.ts';
import type { Box, ConfidenceFlag, ExtractionMethod, SourceBox } from './types.ts';

export interface ControlReading {
  selected: boolean | null;
  method: ExtractionMethod;
  flags: ConfidenceFlag[];
  /** 0..1: how centred the mark sits, 1 for a clean empty control. */
  fit: number;
  source: SourceBox | null;
}

/** Largest side of a control, points (the real quote's are 10 pt; Qt 5 draws 8.5 pt). */
const MAX_CONTROL_SIZE = 24;
const MIN_CONTROL_SIZE = 4;
/** How far left of the option text a control may sit, points. */
const MAX_CONTROL_GAP = 28;

const CHECKED_GLYPHS = /^[☑☒✓✔✗✘■●◉▣]/u;
const UNCHECKED_GLYPHS = /^[☐□○◯]/u;

const luminance = (color: Rgb): number => 0.2126 * color[0] + 0.7152 * color[1] + 0.0722 * color[2];
const isLight = (color: Rgb | null): boolean => color !== null && Math.min(...color) >= 0.75;
const center = (box: Box): [number, number] => [box.x + box.w / 2, box.y + box.h / 2];
const contains = (box: Box, [x, y]: [number, number], tolerance = 0): boolean =>
  x >= box.x - tolerance &&
  x <= box.x + box.w + tolerance &&
  y >= box.y - tolerance &&
  y <= box.y + box.h + tolerance;

/** Luminance of what a shape paints: its fill, or its stroke when it is only stroked. */
function paintLuminance(shape: PaintedShape): number | null {
  if (shape.fill) return luminance(shape.fill);
  if (shape.stroke) return luminance(shape.stroke);
  return null;
}

function union(boxes: Box[]): Box {
  const x = Math.min(...boxes.map((box) => box.x));
  const y = Math.min(...boxes.map((box) => box.y));
  const right = Math.max(...boxes.map((box) => box.x + box.w));
  const bottom = Math.max(...boxes.map((box) => box.y + box.h));
  return { x, y, w: right - x, h: bottom - y };
}

/** A leading ☐/☑-style glyph printed as text instead of a drawn control. */
export function stripControlGlyph(text: string): string {
  return text.replace(/^[☑☒✓✔✗✘■●◉▣☐□○◯]\s*/u, '');
}

/** The shapes that make up the control left of an option line. */
function controlShapes(page: PdfPageModel, line: TextLine): PaintedShape[] {
  const top = line.baseline - 1.25 * line.size;
  const bottom = line.baseline + 0.25 * line.size;
  return page.shapes.filter((shape) => {
    const { box } = shape;
    if (box.w > MAX_CONTROL_SIZE || box.h > MAX_CONTROL_SIZE) return false;
    const [cx, cy] = center(box);
    return cx < line.x - 0.5 && cx > line.x - MAX_CONTROL_GAP && cy >= top && cy <= bottom;
  });
}

/** Reads the state of the control in front of an option's text. */
export function readControl(page: PdfPageModel, line: TextLine): ControlReading {
  if (CHECKED_GLYPHS.test(line.text) || UNCHECKED_GLYPHS.test(line.text)) {
    const glyph = line.chars[0];
    return {
      selected: CHECKED_GLYPHS.test(line.text),
      method: 'mark+geometry',
      flags: [],
      fit: 1,
      source: glyph ? roundBox({ page: page.number, x: glyph.x, y: glyph.y, w: glyph.w, h: glyph.h }) : null,
    };
  }
  const shapes = controlShapes(page, line);
  if (shapes.length === 0) {
    return {
      selected: null,
      method: 'not-found',
      flags: page.vectorComplete ? ['NO_CONTROL_FRAME'] : ['NO_VECTOR_LAYER'],
      fit: 0,
      source: null,
    };
  }
  const outer = union(shapes.map((shape) => shape.box));
  const source = roundBox({ page: page.number, ...outer });
  const outerCenter = center(outer);
  const flags: ConfidenceFlag[] = [];
  const side = Math.max(outer.w, outer.h);
  if (side < MIN_CONTROL_SIZE || outer.w / outer.h < 0.6 || outer.w / outer.h > 1.7)
    flags.push('NO_CONTROL_FRAME');

  const interior = [...shapes]
    .sort((a, b) => b.order - a.order)
    .find(
      (shape) =>
        isLight(shape.fill) &&
        shape.box.w * shape.box.h >= 0.3 * outer.w * outer.h &&
        contains(shape.box, outerCenter, 1),
    );
  const dark = (shape: PaintedShape): boolean => (paintLuminance(shape) ?? 1) <= 0.35;
  const middling = (shape: PaintedShape): boolean => {
    const value = paintLuminance(shape);
    return value !== null && value > 0.35 && value < 0.75;
  };

  let marks: PaintedShape[];
  let doubtful: PaintedShape[];
  if (interior) {
    const inside = (shape: PaintedShape): boolean =>
      shape.order > interior.order &&
      contains(interior.box, center(shape.box), 0.5) &&
      Math.max(shape.box.w, shape.box.h) >= 0.25 * Math.min(interior.box.w, interior.box.h);
    marks = shapes.filter((shape) => inside(shape) && dark(shape));
    doubtful = shapes.filter((shape) => inside(shape) && middling(shape));
  } else {
    flags.push('NO_CONTROL_FRAME');
    const core: Box = { x: outer.x + outer.w / 4, y: outer.y + outer.h / 4, w: outer.w / 2, h: outer.h / 2 };
    const notFrame = (shape: PaintedShape): boolean => shape.box.w * shape.box.h < 0.8 * outer.w * outer.h;
    marks = shapes.filter((shape) => dark(shape) && notFrame(shape) && contains(core, center(shape.box)));
    doubtful = [];
  }
  // Part of the page could not be read: a missing mark cannot be told from an empty box.
  if (doubtful.length > 0 || !page.vectorComplete) flags.push('AMBIGUOUS_MARK');
  const method: ExtractionMethod = interior ? 'mark+geometry' : 'inferred';
  if (marks.length === 0)
    return { selected: false, method, flags, fit: doubtful.length > 0 ? 0.5 : 1, source };

  const reference = interior?.box ?? outer;
  const [mx, my] = center(union(marks.map((mark) => mark.box)));
  const [rx, ry] = center(reference);
  const offset = Math.hypot(mx - rx, my - ry) / (0.5 * Math.min(reference.w, reference.h));
  return { selected: true, method, flags, fit: 1 - Math.min(1, offset), source };
}
