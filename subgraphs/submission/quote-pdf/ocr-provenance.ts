// A scanned quote is read by the same layout rules as a digital one (its page model comes from OCR), but what it
// read is less sure: text was recognised, not copied, and marks were seen in pixels, not drawn. After reading,
// each value read from OCR text gets the method `ocr` and its confidence multiplied by the recognizer's least
// confident word inside its source box; each mark read from pixels gets the method `pixels`. A value that falls
// below the issue threshold this way is listed as an issue, as any other.
import { issueFor, ISSUE_THRESHOLD } from './confidence.ts';
import type { PdfPageModel } from './read-pdf.ts';
import type { ExtractionMethod, ParsedSubmission, QuoteIssue, SourceBox } from './types.ts';

/** Methods that read text; their values were recognised by OCR on a scanned page. */
const TEXT_METHODS: ReadonlySet<ExtractionMethod> = new Set([
  'label+geometry',
  'column+geometry',
  'cross-check',
  'inferred',
]);

interface Reading {
  method: ExtractionMethod;
  confidence: number;
  source: SourceBox | null;
}

const isReading = (value: unknown): value is Reading =>
  typeof value === 'object' &&
  value !== null &&
  'method' in value &&
  'confidence' in value &&
  'flags' in value &&
  'source' in value;

/** The least confident OCR word whose centre lies in the box (1 when none does: nothing recognised there). */
function wordConfidence(pages: readonly PdfPageModel[], source: SourceBox | null): number {
  if (!source) return 1;
  const page = pages.find((p) => p.number === source.page);
  let least = 1;
  for (const text of page?.texts ?? []) {
    const [cx, cy] = [text.x + text.w / 2, text.y + text.h / 2];
    const within =
      cx >= source.x - 0.5 &&
      cx <= source.x + source.w + 0.5 &&
      cy >= source.y - 0.5 &&
      cy <= source.y + source.h + 0.5;
    if (within && text.confidence !== undefined) least = Math.min(least, text.confidence);
  }
  return least;
}

function adjust(reading: Reading, pages: readonly PdfPageModel[], isMark: boolean): void {
  if (isMark || reading.method === 'mark+geometry') {
    if (reading.method === 'mark+geometry') reading.method = 'pixels';
    return;
  }
  if (!TEXT_METHODS.has(reading.method)) return;
  const factor = wordConfidence(pages, reading.source);
  reading.confidence = Math.round(reading.confidence * factor * 1000) / 1000;
  // An inferred value stays inferred: that is the stronger doubt.
  if (reading.method !== 'inferred') reading.method = 'ocr';
}

/**
 * Rewrites the provenance of a submission read from OCR pages in place (see the file comment) and adds the
 * issues of values that fell below the threshold.
 */
export function applyOcrProvenance(submission: ParsedSubmission, pages: readonly PdfPageModel[]): void {
  const added: QuoteIssue[] = [];
  const visit = (node: unknown, path: string, inOptions: boolean): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, `${path}[${index}]`, inOptions));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    if (isReading(node)) {
      const isChoice = 'options' in node;
      const before = node.confidence;
      adjust(node, pages, inOptions || isChoice);
      if (!inOptions && before >= ISSUE_THRESHOLD && node.confidence < ISSUE_THRESHOLD) {
        const issue = issueFor(path, node as Parameters<typeof issueFor>[1]);
        if (issue) added.push(issue);
      }
      if (isChoice) visit((node as { options: unknown }).options, `${path}.options`, true);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'issues') continue;
      visit(value, path ? `${path}.${key}` : key, inOptions);
    }
  };
  visit(submission, '', false);
  submission.issues.push(...added);
}
