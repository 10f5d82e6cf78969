// What a file is, from its first bytes: the client's content type and extension are never trusted. Executables
// are refused whatever their name; text is recognised so CSV sample sheets keep a text type; anything else
// file-type does not know is application/octet-stream.
import { fileTypeFromBuffer } from 'file-type';
import type { FileKind } from '../../generated/prisma/files/client.ts';
import { badUserInput, ERRORS } from '../kit/errors.ts';

/** Bytes read before deciding: what file-type needs for every format it knows (4100). */
export const SNIFF_BYTES = 4100;

/** How much of the head must be clean UTF-8 without NULs for the file to count as text. */
const TEXT_PROBE_BYTES = 4096;

export const OCTET_STREAM = 'application/octet-stream';
const TEXT = 'text/plain';

/** file-type's names for executable formats. */
const EXECUTABLE_EXTENSIONS = new Set(['exe', 'elf', 'macho', 'class', 'wasm', 'dex']);

/**
 * Executable magic numbers, checked here as well so a refusal does not depend on file-type's order of checks.
 * MZ (DOS/PE) also starts some text, so it counts only with the NULs every real MZ header has.
 */
function executableFormat(head: Uint8Array): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x7f, 0x45, 0x4c, 0x46)) return 'ELF';
  if (starts(0x4d, 0x5a) && head.subarray(0, 64).includes(0)) return 'PE/MZ';
  if (
    starts(0xfe, 0xed, 0xfa, 0xce) ||
    starts(0xfe, 0xed, 0xfa, 0xcf) ||
    starts(0xce, 0xfa, 0xed, 0xfe) ||
    starts(0xcf, 0xfa, 0xed, 0xfe)
  )
    return 'Mach-O';
  // Java class files and universal (fat) Mach-O binaries share this magic: both are code.
  if (starts(0xca, 0xfe, 0xba, 0xbe)) return 'Java class or Mach-O';
  if (starts(0x00, 0x61, 0x73, 0x6d)) return 'WebAssembly';
  if (starts(0x23, 0x21)) return 'script (#!)';
  return undefined;
}

/** Valid UTF-8 without NULs in the first 4 KiB; a multi-byte character cut by the end of the head is fine. */
export function isText(head: Uint8Array): boolean {
  const probe = head.subarray(0, TEXT_PROBE_BYTES);
  if (probe.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(probe, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The content type of a file whose first bytes are `head` (at least SNIFF_BYTES of it, or the whole file).
 * Throws UNSUPPORTED_FILE_TYPE for an executable. Text is stored as text/plain; contentTypeFor() names it by
 * the file name when it is served.
 */
export async function sniffContentType(head: Uint8Array): Promise<string> {
  const magic = executableFormat(head);
  // file-type calls anything starting with "MZ" an exe; the stricter check above decides that one.
  const found = await fileTypeFromBuffer(head);
  const detected = found?.ext === 'exe' && !magic ? undefined : found;
  const executable =
    magic ?? (detected && EXECUTABLE_EXTENSIONS.has(detected.ext) ? detected.ext : undefined);
  if (executable) {
    throw ERRORS.UNSUPPORTED_FILE_TYPE.err('executables cannot be uploaded', {
      field: 'file',
      detected: executable,
    });
  }
  if (detected) return detected.mime;
  return isText(head) ? TEXT : OCTET_STREAM;
}

/**
 * The type a stored file is served and shown with: its blob's sniffed type, with text named by the file's
 * extension (identical bytes are one blob, whether uploaded as .csv or .txt).
 */
export function contentTypeFor(blobContentType: string, name: string): string {
  if (blobContentType !== TEXT) return blobContentType;
  const extension = /\.([^.]+)$/.exec(name)?.[1]?.toLowerCase();
  if (extension === 'csv') return 'text/csv';
  if (extension === 'tsv') return 'text/tab-separated-values';
  return TEXT;
}

const SPREADSHEETS = new Set([
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/x-cfb', // .xls (OLE compound file)
]);

/** Which sniffed types each kind accepts: a kind says what the file is, so the bytes must agree. */
const KIND_ACCEPTS: Record<FileKind, (type: string) => boolean> = {
  QUOTE_PDF: (type) => type === 'application/pdf',
  SAMPLE_SHEET: (type) => type === TEXT || SPREADSHEETS.has(type),
  GEL_IMAGE: (type) => type.startsWith('image/'),
  // Reports and Bioanalyzer exports come as PDF, images, text, or vendor formats (.xad) nobody can sniff.
  QC_REPORT: () => true,
  BIOANALYZER: () => true,
  OTHER: () => true,
};

/** BAD_USER_INPUT (field kind, rule KIND_MISMATCH) when the bytes are not what the kind says. */
export function assertKindAccepts(kind: FileKind, contentType: string): void {
  if (KIND_ACCEPTS[kind](contentType)) return;
  throw badUserInput(`a ${kind} file cannot be ${contentType}`, {
    field: 'kind',
    rule: 'KIND_MISMATCH',
    contentType,
  });
}
