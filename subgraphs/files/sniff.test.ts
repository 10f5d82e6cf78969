// Sniffing: the type comes from the bytes, executables are refused whatever they are called, text is text.
import { describe, expect, it } from 'vitest';
import { elfExecutable, peExecutable, PNG, QUOTE_PDF as PDF, SAMPLE_CSV as CSV } from './fixtures.ts';
import { assertKindAccepts, contentTypeFor, isText, sniffContentType } from './sniff.ts';

const bytes = (...values: number[]) => Buffer.concat([Buffer.from(values), Buffer.alloc(64, 1)]);

describe('sniffContentType', () => {
  it.each([
    ['a PDF', PDF, 'application/pdf'],
    ['a PNG', PNG, 'image/png'],
    ['a CSV', CSV, 'text/plain'],
    [
      'UTF-8 text cut inside a character',
      Buffer.concat([Buffer.alloc(4098, 'a'), Buffer.from('é').subarray(0, 1)]),
      'text/plain',
    ],
    ['text starting with MZ', Buffer.from('MZ_ID,name\n1,a\n'), 'text/plain'],
    ['an empty file', Buffer.alloc(0), 'text/plain'],
    ['unknown binary', Buffer.from([0x01, 0x00, 0xff, 0xfe, 0x00, 0x10]), 'application/octet-stream'],
    ['Latin-1 text (not UTF-8)', Buffer.from('caf\xe9 au lait', 'latin1'), 'application/octet-stream'],
  ])('%s is %s', async (_what, head, type) => {
    expect(await sniffContentType(head)).toBe(type);
  });

  it.each([
    ['ELF', elfExecutable()],
    ['PE (MZ)', peExecutable()],
    ['Mach-O 64-bit', bytes(0xcf, 0xfa, 0xed, 0xfe)],
    ['Mach-O 32-bit big-endian', bytes(0xfe, 0xed, 0xfa, 0xce)],
    ['Java class', Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x41, 0, 0])],
    ['WebAssembly', Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])],
    ['a shebang script', Buffer.from('#!/bin/sh\nrm -rf /\n')],
  ])('refuses %s with UNSUPPORTED_FILE_TYPE', async (_what, head) => {
    await expect(sniffContentType(head)).rejects.toMatchObject({
      extensions: { code: 'UNSUPPORTED_FILE_TYPE', field: 'file' },
    });
  });
});

describe('isText', () => {
  it('looks at the first 4 KiB only', () => {
    expect(isText(Buffer.concat([Buffer.alloc(4096, 'a'), Buffer.from([0])]))).toBe(true);
    expect(isText(Buffer.concat([Buffer.alloc(100, 'a'), Buffer.from([0])]))).toBe(false);
  });
});

describe('contentTypeFor', () => {
  it.each([
    ['text/plain', 'sheet.csv', 'text/csv'],
    ['text/plain', 'SHEET.CSV', 'text/csv'],
    ['text/plain', 'sheet.tsv', 'text/tab-separated-values'],
    ['text/plain', 'notes.txt', 'text/plain'],
    ['text/plain', 'no-extension', 'text/plain'],
    ['application/pdf', 'pretends.csv', 'application/pdf'],
  ])('%s named %s is served as %s', (blob, name, type) => {
    expect(contentTypeFor(blob, name)).toBe(type);
  });
});

describe('assertKindAccepts', () => {
  it.each([
    ['QUOTE_PDF', 'application/pdf'],
    ['SAMPLE_SHEET', 'text/plain'],
    ['GEL_IMAGE', 'image/png'],
    ['BIOANALYZER', 'application/octet-stream'],
    ['OTHER', 'application/octet-stream'],
  ] as const)('%s accepts %s', (kind, type) => {
    expect(() => assertKindAccepts(kind, type)).not.toThrow();
  });

  it.each([
    ['QUOTE_PDF', 'image/png'],
    ['QUOTE_PDF', 'text/plain'],
    ['SAMPLE_SHEET', 'application/pdf'],
    ['GEL_IMAGE', 'application/octet-stream'],
  ] as const)('%s refuses %s (KIND_MISMATCH)', (kind, type) => {
    expect(() => assertKindAccepts(kind, type)).toThrow(
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', rule: 'KIND_MISMATCH' }),
      }),
    );
  });
});
