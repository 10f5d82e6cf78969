import { Upload } from 'graphql-upload-minimal';
import { describe, expect, it } from 'vitest';
import { findUploads } from './createUploadSession.ts';

describe('findUploads', () => {
  it('finds every upload, however deep the client nested its JSON', () => {
    const upload = new Upload();
    const deep = JSON.parse(`${'['.repeat(300_000)}${']'.repeat(300_000)}`) as unknown;
    const operations = {
      query: '{ hello }',
      variables: { deep, wide: new Array(200_000).fill(1), file: upload },
    };
    expect(findUploads(operations)).toEqual(new Set([upload]));
  });
});
