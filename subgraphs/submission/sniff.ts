// What an imported file is, from its bytes (never from its name or the client's content type): a PDF starts with
// `%PDF-`; a sheet is text. Text here is valid UTF-8 (a BOM allowed), UTF-16 with a BOM (Excel's "Unicode
// text"), or bytes without NULs or control characters, which the sheet reader takes as Windows-1252 (Excel's
// older CSV export) with a warning when they are not UTF-8. Anything else is refused before any parsing.
export type ImportKind = 'PDF' | 'CSV';

const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d]; // %PDF-

const startsWith = (bytes: Uint8Array, prefix: readonly number[]) => prefix.every((b, i) => bytes[i] === b);

/** Bytes checked for text: enough to tell, without decoding a 20 MiB file twice. */
const PROBE_BYTES = 64 * 1024;

/** No NUL, no C0 control other than tab, CR, LF (and form feed, which some exports write). */
function hasOnlyTextBytes(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c) return false;
    if (byte === 0x7f) return false;
  }
  return true;
}

/** PDF, CSV, or null when the bytes are neither (an image, an archive, a program ...). */
export function sniffImportKind(bytes: Uint8Array): ImportKind | null {
  if (startsWith(bytes, PDF_MAGIC)) return 'PDF';
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) return 'CSV';
  // Bytes >= 0x80 are UTF-8 sequences or Windows-1252 letters: the sheet reader tells which.
  return hasOnlyTextBytes(bytes.subarray(0, PROBE_BYTES)) ? 'CSV' : null;
}

/** The image types a scanned quote comes as, by their magic bytes. */
export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/tiff';

const IMAGE_MAGIC: [ImageMediaType, number[]][] = [
  ['image/png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['image/jpeg', [0xff, 0xd8, 0xff]],
  ['image/tiff', [0x49, 0x49, 0x2a, 0x00]], // II*\0, little-endian
  ['image/tiff', [0x4d, 0x4d, 0x00, 0x2a]], // MM\0*, big-endian
];

/** PNG, JPEG or TIFF from the first bytes; null for anything else. */
export function sniffImage(bytes: Uint8Array): ImageMediaType | null {
  return IMAGE_MAGIC.find(([, magic]) => startsWith(bytes, magic))?.[0] ?? null;
}
