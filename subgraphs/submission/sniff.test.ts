// What an import is, from its bytes alone.
import { describe, expect, it } from 'vitest';
import { sniffImage, sniffImportKind } from './sniff.ts';

describe('sniffImportKind', () => {
  it.each([
    ['a PDF', Buffer.from('%PDF-1.4\n%\xe2\xe3'), 'PDF'],
    ['a UTF-8 sheet', Buffer.from('sample_name,volume\nµ-1,2\n'), 'CSV'],
    ['a UTF-8 sheet with a BOM', Buffer.from('\ufeffsample_name\nA\n'), 'CSV'],
    ['a Windows-1252 sheet', Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0xb5, 0x4c, 0x0a]), 'CSV'],
    ['a UTF-16 sheet', Buffer.from('\ufeffname\n', 'utf16le'), 'CSV'],
    ['an empty file', Buffer.alloc(0), 'CSV'],
    ['a PNG', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), null],
    ['a ZIP (an .xlsx)', Buffer.from('504b0304140000000800', 'hex'), null],
    ['an ELF program', Buffer.from('7f454c46020101000000', 'hex'), null],
  ])('%s', (_name, bytes, kind) => {
    expect(sniffImportKind(bytes)).toBe(kind);
  });
});

describe('sniffImage', () => {
  it.each([
    ['a PNG', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'image/png'],
    ['a JPEG', Buffer.from('ffd8ffe000104a464946', 'hex'), 'image/jpeg'],
    ['a little-endian TIFF', Buffer.from('49492a0008000000', 'hex'), 'image/tiff'],
    ['a big-endian TIFF', Buffer.from('4d4d002a00000008', 'hex'), 'image/tiff'],
    ['a PDF', Buffer.from('%PDF-1.4\n'), null],
    ['text', Buffer.from('PNG is a format\n'), null],
    ['a GIF', Buffer.from('GIF89a'), null],
  ])('%s', (_name, bytes, type) => {
    expect(sniffImage(bytes)).toBe(type);
  });
});
