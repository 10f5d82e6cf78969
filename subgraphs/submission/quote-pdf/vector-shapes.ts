// The painted shapes of a page: every filled or stroked path with its box, colours and paint order.
//
// pdf2json 4.0.3 cannot be used for this. Its canvas drops every fill smaller than 2×2 of its units (32×32 pt),
// every square rectangle under 13 px, and never reports curves, so in the real iLab quote not one checkbox frame,
// tick or radio dot reaches its Fills/HLines/VLines (page 1 keeps only the summary table's 32 borders). This
// reads the content stream's path and paint operators itself (ISO 32000-1 §8.5), following form XObjects.
//
// Every content byte lexed and every operator run is charged to the document's budget (budget.ts), forms included
// each time they are drawn: a form drawn 10,000 times costs 10,000 times, and the document is refused when the
// budget runs out (a BudgetExceededError, never caught here) instead of the page being read for hours.
import { BudgetExceededError } from './budget.ts';
import {
  initialGraphicsState,
  multiply,
  stateAfter,
  transformPoint,
  IDENTITY,
  type GraphicsState,
  type Matrix,
  type Rgb,
} from './graphics-state.ts';
import {
  PdfLexer,
  PdfKeyword,
  PdfStream,
  isDict,
  nameOf,
  numberOf,
  type PdfDict,
  type PdfValue,
} from './pdf-lexer.ts';
import type { PdfDocument, PdfPageNode } from './pdf-objects.ts';
import type { PaintedShape } from '../../kit/page-model.ts';

export type { Rgb };

export type { PaintedShape };

export interface PageShapes {
  shapes: PaintedShape[];
  /** Images drawn on the page (a scan has images and no text). */
  images: number;
  /** false when the content could not be read in full (unsupported filter, syntax error, budget). */
  complete: boolean;
}

export interface ShapeBudget {
  /** Content-stream operators read per page before giving up. */
  maxOperators: number;
  /** Largest decoded stream, bytes. */
  maxStreamBytes: number;
}

const MAX_FORM_DEPTH = 6;
/** No operator takes more operands than this (sh, scn with a pattern: a handful); more is not a content stream. */
const MAX_OPERANDS = 64;

class ShapeReader {
  readonly shapes: PaintedShape[] = [];
  images = 0;
  complete = true;
  private operators = 0;
  private order = 0;

  constructor(
    private readonly document: PdfDocument,
    private readonly page: PdfPageNode,
    private readonly budget: ShapeBudget,
  ) {}

  run(content: Uint8Array, resources: PdfDict, state: GraphicsState, depth: number): void {
    const { budget } = this.document;
    const lexer = new PdfLexer(content, 0, content.length, budget.limits.maxNesting);
    const stack: GraphicsState[] = [];
    let operands: PdfValue[] = [];
    let path: Array<[number, number]> = [];
    let curved = false;
    const point = (x: number, y: number): [number, number] => transformPoint(state.ctm, x, y);

    for (;;) {
      let token: PdfValue | PdfKeyword;
      try {
        if (lexer.atEnd) return;
        token = lexer.read(false);
      } catch (error) {
        if (error instanceof BudgetExceededError) throw error;
        this.complete = false;
        return;
      }
      if (!(token instanceof PdfKeyword)) {
        operands.push(token);
        if (operands.length > MAX_OPERANDS) {
          this.complete = false;
          return;
        }
        continue;
      }
      budget.chargeOperations(1);
      this.operators += 1;
      if (this.operators > this.budget.maxOperators) {
        this.complete = false;
        return;
      }
      const next = stateAfter(token.word, operands, state, stack);
      if (next) {
        state = next;
        operands = [];
        continue;
      }
      const n = operands.map((value) => numberOf(value) ?? 0);
      switch (token.word) {
        case 'm':
        case 'l':
          path.push(point(n[0] ?? 0, n[1] ?? 0));
          break;
        case 'c':
        case 'v':
        case 'y':
          // Control points count too: the box may be a little large for a curve, never too small.
          for (let i = 0; i + 1 < n.length; i += 2) path.push(point(n[i]!, n[i + 1]!));
          curved = true;
          break;
        case 're':
          if (n.length === 4) {
            const [x, y, w, h] = n as [number, number, number, number];
            path.push(point(x, y), point(x + w, y), point(x + w, y + h), point(x, y + h));
          }
          break;
        case 'f':
        case 'F':
        case 'f*':
          this.paint(path, curved, state, true, false);
          path = [];
          curved = false;
          break;
        case 'S':
        case 's':
          this.paint(path, curved, state, false, true);
          path = [];
          curved = false;
          break;
        case 'B':
        case 'B*':
        case 'b':
        case 'b*':
          this.paint(path, curved, state, true, true);
          path = [];
          curved = false;
          break;
        case 'n':
          path = [];
          curved = false;
          break;
        case 'Do':
          this.drawXObject(nameOf(operands[0]), resources, state, depth);
          break;
        case 'BI':
          this.skipInlineImage(lexer);
          this.images += 1;
          break;
        default:
          break; // text, clipping, marked content, shading: nothing to collect
      }
      operands = [];
    }
  }

  private paint(
    path: Array<[number, number]>,
    curved: boolean,
    state: GraphicsState,
    filled: boolean,
    stroked: boolean,
  ): void {
    if (path.length < 2) return;
    const [x0, , , y1] = this.page.mediaBox;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const [x, y] of path) {
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    const m = state.ctm;
    const lineWidth = stroked
      ? Math.max(state.lineWidth, 0) * Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2]))
      : 0;
    const pad = lineWidth / 2;
    if (![minX, minY, maxX, maxY].every(Number.isFinite)) return;
    this.order += 1;
    this.shapes.push({
      box: {
        x: minX - pad - x0,
        y: y1 - maxY - pad,
        w: maxX - minX + 2 * pad,
        h: maxY - minY + 2 * pad,
      },
      fill: filled ? state.fill : null,
      stroke: stroked ? state.stroke : null,
      lineWidth,
      curved,
      order: this.order,
    });
  }

  private drawXObject(name: string | null, resources: PdfDict, state: GraphicsState, depth: number): void {
    if (!name) return;
    const xobjects = this.document.dict(resources.get('XObject'));
    const target = this.document.resolve(xobjects?.get(name));
    if (!(target instanceof PdfStream)) return;
    const subtype = nameOf(target.dict.get('Subtype'));
    if (subtype === 'Image') {
      this.images += 1;
      return;
    }
    if (subtype !== 'Form' || depth >= MAX_FORM_DEPTH) return;
    let content: Uint8Array | null;
    try {
      content = this.document.decode(target, this.budget.maxStreamBytes);
    } catch (error) {
      if (error instanceof BudgetExceededError) throw error;
      content = null;
    }
    if (!content) {
      this.complete = false;
      return;
    }
    // Charged each time the form is drawn: a form drawn 10,000 times is lexed 10,000 times.
    this.document.budget.chargeContent(content.length);
    const matrix = this.document.resolve(target.dict.get('Matrix'));
    const formMatrix =
      Array.isArray(matrix) && matrix.length === 6
        ? (matrix.map((value) => numberOf(value) ?? 0) as Matrix)
        : IDENTITY;
    const formResources = this.document.dict(target.dict.get('Resources')) ?? resources;
    this.run(
      content,
      isDict(formResources) ? formResources : resources,
      { ...state, ctm: multiply(formMatrix, state.ctm) },
      depth + 1,
    );
  }

  /** Skips `BI <dict> ID <binary> EI`: the binary part is not PDF syntax. */
  private skipInlineImage(lexer: PdfLexer): void {
    const { bytes } = lexer;
    let index = lexer.pos;
    while (index + 1 < bytes.length && !(bytes[index] === 73 && bytes[index + 1] === 68)) index += 1; // "ID"
    index += 3;
    while (index + 2 < bytes.length) {
      const before = bytes[index - 1]!;
      if (
        bytes[index] === 69 &&
        bytes[index + 1] === 73 &&
        (before === 32 || before === 10 || before === 13)
      ) {
        const after = bytes[index + 2]!;
        if (after === 32 || after === 10 || after === 13) break;
      }
      index += 1;
    }
    lexer.pos = Math.min(bytes.length, index + 2);
  }
}

/**
 * The shapes painted on one page. Throws only a BudgetExceededError (the document asks for too much work); what
 * cannot be read marks the page incomplete.
 */
export function readPageShapes(document: PdfDocument, page: PdfPageNode, budget: ShapeBudget): PageShapes {
  const reader = new ShapeReader(document, page, budget);
  let content: Uint8Array | null = null;
  try {
    content = document.pageContent(page, budget.maxStreamBytes);
  } catch (error) {
    if (error instanceof BudgetExceededError) throw error;
    content = null;
  }
  if (!content) return { shapes: [], images: 0, complete: false };
  reader.run(content, page.resources, initialGraphicsState(), 0);
  return { shapes: reader.shapes, images: reader.images, complete: reader.complete };
}
