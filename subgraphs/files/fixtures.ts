// Test support: files to upload and sniff. The quote PDF is the lab's real one; the executables are just
// enough header to be what they claim.
import { CSV_TEMPLATE, readFixture, REAL_QUOTE } from '../../test/helpers/fixtures.ts';

export const QUOTE_PDF = readFixture(REAL_QUOTE);
export const SAMPLE_CSV = readFixture(CSV_TEMPLATE);
/** A 1x1 PNG's signature and header chunk. */
export const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** A minimal PE header: "MZ", the DOS header's zeros, e_lfanew at 0x3c pointing at "PE\0\0". */
export function peExecutable(): Buffer {
  const bytes = Buffer.alloc(512);
  bytes.write('MZ', 0, 'latin1');
  bytes.writeUInt16LE(0x90, 2);
  bytes.writeUInt32LE(0x80, 0x3c);
  bytes.write('PE\0\0', 0x80, 'latin1');
  return bytes;
}

/** The first bytes of a 64-bit little-endian ELF executable. */
export function elfExecutable(): Buffer {
  const bytes = Buffer.alloc(256);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(bytes);
  bytes.writeUInt16LE(2, 16); // ET_EXEC
  bytes.writeUInt16LE(0x3e, 18); // x86-64
  return bytes;
}
