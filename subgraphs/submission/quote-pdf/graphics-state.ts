// The part of the PDF graphics state the shape reader needs (ISO 32000-1 §8.4): the transformation matrix, the
// fill and stroke colours and the line width, with the operators that change them.
import { numberOf, PdfName, type PdfValue } from './pdf-lexer.ts';

/** Red, green, blue in 0..1. */
export type Rgb = readonly [number, number, number];

export type Matrix = [number, number, number, number, number, number];

export interface GraphicsState {
  ctm: Matrix;
  /** null: a paint this reader does not model (a pattern). */
  fill: Rgb | null;
  stroke: Rgb | null;
  lineWidth: number;
}

export const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

export const initialGraphicsState = (): GraphicsState => ({
  ctm: IDENTITY,
  fill: [0, 0, 0],
  stroke: [0, 0, 0],
  lineWidth: 1,
});

const MAX_STATE_DEPTH = 256;

/** m × n, both in PDF's [a b c d e f] form. */
export const multiply = (m: Matrix, n: Matrix): Matrix => [
  m[0] * n[0] + m[1] * n[2],
  m[0] * n[1] + m[1] * n[3],
  m[2] * n[0] + m[3] * n[2],
  m[2] * n[1] + m[3] * n[3],
  m[4] * n[0] + m[5] * n[2] + n[4],
  m[4] * n[1] + m[5] * n[3] + n[5],
];

export const transformPoint = (m: Matrix, x: number, y: number): [number, number] => [
  m[0] * x + m[2] * y + m[4],
  m[1] * x + m[3] * y + m[5],
];

const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));

/** A colour from its components: 1 gray, 3 RGB, 4 CMYK; null for anything else. */
function colorFrom(components: number[]): Rgb | null {
  const [a, b, c, d] = components.map(clamp01) as [number, number, number, number];
  if (components.length === 1) return [a, a, a];
  if (components.length === 3) return [a, b, c];
  if (components.length === 4) return [(1 - a) * (1 - d), (1 - b) * (1 - d), (1 - c) * (1 - d)];
  return null;
}

/**
 * The state after a graphics-state operator, or undefined when `operator` is not one. `q` and `Q` push and pop
 * `stack`. A pattern name among `sc`/`scn` operands makes the paint unknown (null).
 */
export function stateAfter(
  operator: string,
  operands: PdfValue[],
  state: GraphicsState,
  stack: GraphicsState[],
): GraphicsState | undefined {
  const n = operands.map((value) => numberOf(value) ?? 0);
  const pattern = operands.some((value) => value instanceof PdfName);
  switch (operator) {
    case 'q':
      if (stack.length < MAX_STATE_DEPTH) stack.push(state);
      return state;
    case 'Q':
      return stack.pop() ?? state;
    case 'cm':
      return n.length === 6 ? { ...state, ctm: multiply(n as Matrix, state.ctm) } : state;
    case 'w':
      return { ...state, lineWidth: n[0] ?? 1 };
    case 'g':
    case 'rg':
    case 'k':
      return { ...state, fill: colorFrom(n) };
    case 'G':
    case 'RG':
    case 'K':
      return { ...state, stroke: colorFrom(n) };
    case 'sc':
    case 'scn':
      return { ...state, fill: pattern ? null : colorFrom(n) };
    case 'SC':
    case 'SCN':
      return { ...state, stroke: pattern ? null : colorFrom(n) };
    case 'cs':
      return { ...state, fill: [0, 0, 0] }; // a new colour space starts at its initial colour (black)
    case 'CS':
      return { ...state, stroke: [0, 0, 0] };
    default:
      return undefined;
  }
}
