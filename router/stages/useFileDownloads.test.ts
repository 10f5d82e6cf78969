import { describe, expect, it } from 'vitest';
import { filesBase, filesTarget } from './useFileDownloads.ts';

describe('filesBase', () => {
  it('is the subgraph URL without its /graphql path, query or fragment', () => {
    expect(filesBase('http://files:4006/graphql').href).toBe('http://files:4006/');
    expect(filesBase('http://gw.example/files-svc/graphql/?x=1#y').href).toBe('http://gw.example/files-svc');
  });
});

describe('filesTarget', () => {
  const base = filesBase('http://files:4006/graphql');
  const behindPath = filesBase('http://gw.example/files-svc/graphql');

  it('forwards a /files path, with its query, under the base path', () => {
    expect(filesTarget(base, '/files/abc/download?v=2')?.href).toBe(
      'http://files:4006/files/abc/download?v=2',
    );
    expect(filesTarget(behindPath, '/files/abc')?.href).toBe('http://gw.example/files-svc/files/abc');
  });

  it('refuses a path that leaves /files, however it is spelled', () => {
    for (const path of [
      '/files/../metrics',
      '/files/%2e%2e/metrics',
      '/files/%2E%2E/%2e%2e/x',
      '/filesx/a',
    ]) {
      expect(filesTarget(base, path)).toBeUndefined();
      expect(filesTarget(behindPath, path)).toBeUndefined();
    }
  });

  it('never leaves the subgraph origin', () => {
    expect(filesTarget(base, '//evil.example/files/a')).toBeUndefined();
    expect(filesTarget(base, '@evil.example/files/a')).toBeUndefined();
  });
});

describe('filesTarget with an export prefix', () => {
  const base = filesBase('http://samples:4002/graphql');

  it('forwards the prefix path with its signed query, and nothing outside it', () => {
    expect(filesTarget(base, '/exports/samples/rows?p=x&signature=y', '/exports/samples')?.href).toBe(
      'http://samples:4002/exports/samples/rows?p=x&signature=y',
    );
    for (const path of [
      '/exports/samples/../../metrics',
      '/exports/samplesx/rows',
      '/exports/audit/events',
    ]) {
      expect(filesTarget(base, path, '/exports/samples')).toBeUndefined();
    }
  });
});
