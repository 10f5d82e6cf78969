import { describe, expect, it } from 'vitest';
import { ConfigError } from '../kit/config.ts';
import { loadAuditConfig, loadRetentionConfig } from './config.ts';

const SECRET = 'x'.repeat(32);
const SIGNING_KEY = Buffer.alloc(32, 9);
const KEY = SIGNING_KEY.toString('base64');

describe('loadAuditConfig', () => {
  it('applies the documented defaults', () => {
    expect(
      loadAuditConfig({
        AUDIT_DATABASE_URL: 'postgresql://u@h/audit',
        OUTBOX_RELAY_SECRET: SECRET,
        AUDIT_SIGNING_KEY: KEY,
        EXPORT_SIGNING_SECRET: SECRET,
      }),
    ).toEqual({
      databaseUrl: 'postgresql://u@h/audit',
      port: 4005,
      host: '127.0.0.1',
      relaySecret: SECRET,
      checkpoints: { signingKey: SIGNING_KEY, previousPublicKeys: [], every: 1000, intervalSeconds: 60 },
      verifyIntervalSeconds: 3600,
      jwt: {
        issuer: 'urn:nanopore:auth',
        audience: 'urn:nanopore:supergraph',
        jwksUrl: 'http://127.0.0.1:4001/.well-known/jwks.json',
        maxTokenLifetimeSeconds: 900,
        revocations: { url: 'http://127.0.0.1:4001/sessions/revoked', pollMs: 1000, maxStaleMs: 15_000 },
      },
      retentionDays: 2555,
      retentionOverrides: {},
      exportMaxRows: 100_000,
      exportLinks: { secret: SECRET, publicUrl: 'http://localhost:4000', ttlSeconds: 300 },
      delivery: {
        expectedServices: ['auth', 'samples', 'submission', 'files', 'ai'],
        maxPendingAgeSeconds: 300,
        staleAfterSeconds: 120,
      },
      limits: {
        maxDepth: 15,
        maxAliases: 30,
        maxRootFields: 20,
        maxSelections: 5000,
        maxCost: 50_000,
        defaultListSize: 10,
        maxListSize: 1000,
      },
      logLevel: 'info',
      webhooks: {
        addresses: {
          allowedHosts: expect.objectContaining({ entries: [] }),
          allowPrivate: false,
          allowHttp: false,
        },
        secretKey: expect.any(Buffer),
        timeoutMs: 10_000,
        maxAttempts: 12,
        maxAgeSeconds: 86_400,
        backoffBaseMs: 10_000,
        backoffMaxMs: 3_600_000,
        disableAfterFailures: 5,
        disableAfterSeconds: 259_200,
        maxPerOwner: 25,
        pollMs: 1000,
        concurrency: 4,
      },
    });
  });

  it('derives the webhook secret key from the signing key unless one is given', () => {
    const base = {
      AUDIT_DATABASE_URL: 'postgresql://u@h/audit',
      OUTBOX_RELAY_SECRET: SECRET,
      AUDIT_SIGNING_KEY: KEY,
      EXPORT_SIGNING_SECRET: SECRET,
    };
    const derived = loadAuditConfig(base).webhooks.secretKey;
    expect(derived).toHaveLength(32);
    expect(derived.equals(SIGNING_KEY)).toBe(false);
    const given = Buffer.alloc(32, 7);
    expect(
      loadAuditConfig({ ...base, AUDIT_WEBHOOK_SECRET_KEY: given.toString('hex') }).webhooks.secretKey,
    ).toEqual(given);
  });

  it('parses retention overrides', () => {
    const config = loadAuditConfig({
      AUDIT_DATABASE_URL: 'postgresql://u@h/audit',
      OUTBOX_RELAY_SECRET: SECRET,
      AUDIT_SIGNING_KEY: KEY,
      EXPORT_SIGNING_SECRET: SECRET,
      AUDIT_RETENTION_OVERRIDES: 'LoginAttempt=365, User=2555',
    });
    expect(config.retentionOverrides).toEqual({ LoginAttempt: 365, User: 2555 });
  });

  it('names every bad or missing variable', () => {
    try {
      loadAuditConfig({
        OUTBOX_RELAY_SECRET: 'short',
        AUDIT_RETENTION_DAYS: '0',
        AUDIT_RETENTION_OVERRIDES: 'User=forever',
        AUDIT_CHECKPOINT_PUBLIC_KEYS: 'not-a-key',
        JWKS_URL: 'ftp://x',
        AUDIT_WEBHOOK_ALLOWED_HOSTS: 'hooks.internal, 10.0.0.0/40',
        AUDIT_WEBHOOK_ALLOW_PRIVATE: 'perhaps',
        AUDIT_WEBHOOK_SECRET_KEY: 'short',
        AUDIT_WEBHOOK_MAX_ATTEMPTS: '0',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const names = (error as ConfigError).problems.map((p) => p.split(':')[0]).sort();
      expect(names).toEqual([
        'AUDIT_CHECKPOINT_PUBLIC_KEYS',
        'AUDIT_DATABASE_URL',
        'AUDIT_RETENTION_DAYS',
        'AUDIT_RETENTION_OVERRIDES',
        'AUDIT_SIGNING_KEY',
        'AUDIT_WEBHOOK_ALLOWED_HOSTS',
        'AUDIT_WEBHOOK_ALLOW_PRIVATE',
        'AUDIT_WEBHOOK_MAX_ATTEMPTS',
        'AUDIT_WEBHOOK_SECRET_KEY',
        'EXPORT_SIGNING_SECRET',
        'JWKS_URL',
        'OUTBOX_RELAY_SECRET',
      ]);
    }
  });
});

describe('loadRetentionConfig', () => {
  it('needs no relay secret, but the checkpoint signing key', () => {
    expect(() => loadRetentionConfig({ AUDIT_DATABASE_URL: 'postgresql://u@h/audit' })).toThrow(
      /AUDIT_SIGNING_KEY: required/,
    );
    expect(
      loadRetentionConfig({ AUDIT_DATABASE_URL: 'postgresql://u@h/audit', AUDIT_SIGNING_KEY: KEY }),
    ).toEqual({
      databaseUrl: 'postgresql://u@h/audit',
      checkpoints: { signingKey: SIGNING_KEY, previousPublicKeys: [], every: 1000 },
      retentionDays: 2555,
      retentionOverrides: {},
      logLevel: 'info',
    });
  });
});
