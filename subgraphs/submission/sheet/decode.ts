// Bytes -> text. UTF-8 with or without a byte-order mark; UTF-16 when a BOM says so (Excel's "Unicode text"); and,
// when the bytes are not valid UTF-8, Windows-1252, which is what Excel's plain "CSV" export writes on Windows (µ
// as 0xB5), with a warning. Anything that is not text is refused by name when its signature is known.
import { SampleSheetFailure, sampleSheetError } from './errors.ts';
import type { SheetEncoding } from './types.ts';

export interface DecodedSheet {
  text: string;
  encoding: SheetEncoding;
  bom: boolean;
  /** The encoding was not declared or valid UTF-8 but assumed (Windows-1252). */
  guessed: boolean;
}

const SIGNATURES: ReadonlyArray<{ bytes: number[]; kind: string; hint: string }> = [
  {
    bytes: [0x25, 0x50, 0x44, 0x46, 0x2d],
    kind: 'pdf',
    hint: 'a PDF; a quote PDF is uploaded as a quote, not a sheet',
  },
  { bytes: [0x50, 0x4b, 0x03, 0x04], kind: 'zip', hint: 'a ZIP archive, e.g. an Excel workbook (.xlsx)' },
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    kind: 'ole',
    hint: 'an Office document, e.g. an Excel .xls',
  },
  { bytes: [0x89, 0x50, 0x4e, 0x47], kind: 'png', hint: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], kind: 'jpeg', hint: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], kind: 'gif', hint: 'a GIF image' },
  { bytes: [0x1f, 0x8b], kind: 'gzip', hint: 'a gzip archive' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf], kind: '7z', hint: 'a 7-Zip archive' },
];

const SAVE_AS = 'Save the sheet as "CSV UTF-8 (comma delimited)" and upload that file.';

/** C0 controls other than tab and line ends, DEL and C1 controls: never in a typed sheet. */
function countControlChars(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || (code >= 0x7f && code <= 0x9f))
      count += 1;
  }
  return count;
}
const SAMPLE_CHARS = 65_536;

const notText = (message: string, detail?: Record<string, string>) =>
  new SampleSheetFailure(sampleSheetError('NOT_TEXT', message, detail));

const startsWith = (bytes: Uint8Array, prefix: readonly number[]) =>
  prefix.every((byte, i) => bytes[i] === byte);

function decode(bytes: Uint8Array, encoding: SheetEncoding): string | null {
  try {
    // ignoreBOM: false makes the decoder drop the BOM it was chosen by.
    return new TextDecoder(encoding, { fatal: encoding !== 'windows-1252', ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}

export function decodeSheet(bytes: Uint8Array): DecodedSheet {
  for (const { bytes: signature, kind, hint } of SIGNATURES) {
    if (startsWith(bytes, signature))
      throw notText(`The file is ${hint}, not a CSV sheet. ${SAVE_AS}`, { detected: kind });
  }
  let decoded: DecodedSheet;
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) {
    const encoding = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
    const text = decode(bytes, encoding);
    if (text === null)
      throw notText(
        `The file declares ${encoding.toUpperCase()} but is not valid ${encoding.toUpperCase()}. ${SAVE_AS}`,
      );
    decoded = { text, encoding, bom: true, guessed: false };
  } else {
    if (bytes.includes(0)) {
      throw notText(
        `The file holds NUL bytes: it is binary, or UTF-16 without a byte-order mark. ${SAVE_AS}`,
      );
    }
    const bom = startsWith(bytes, [0xef, 0xbb, 0xbf]);
    const text = decode(bytes, 'utf-8');
    if (text !== null) decoded = { text, encoding: 'utf-8', bom, guessed: false };
    else if (bom) throw notText(`The file declares UTF-8 but is not valid UTF-8. ${SAVE_AS}`);
    else
      decoded = { text: decode(bytes, 'windows-1252')!, encoding: 'windows-1252', bom: false, guessed: true };
  }
  if (decoded.text.includes('\u0000'))
    throw notText(`The file holds NUL characters; it is not a text sheet. ${SAVE_AS}`);
  // A sheet is mostly printable: more than 1% control characters in its start is binary that happens to decode.
  const start = decoded.text.slice(0, SAMPLE_CHARS);
  const controls = countControlChars(start);
  if (controls > Math.max(2, start.length / 100)) {
    throw notText(`The file holds control characters no text sheet has; it looks binary. ${SAVE_AS}`, {
      encoding: decoded.encoding,
    });
  }
  return decoded;
}
