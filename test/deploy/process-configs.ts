// What the compose and Kubernetes tests check a deployment's environment with: each process's own config loader,
// and test values of the shape each kind of secret must have.
import { randomBytes } from 'node:crypto';
import { loadRouterConfig } from '../../router/config.ts';
import { loadAiConfig } from '../../subgraphs/ai/config.ts';
import { loadAuditConfig, loadRetentionConfig } from '../../subgraphs/audit/config.ts';
import { loadAuthConfig } from '../../subgraphs/auth/config.ts';
import { loadFilesConfig } from '../../subgraphs/files/config.ts';
import { loadSamplesConfig } from '../../subgraphs/samples/config.ts';
import { loadSubmissionConfig } from '../../subgraphs/submission/config.ts';

export type Env = Record<string, string | undefined>;

/**
 * The config loader of each process, by the source file its command runs (dist/<source>.js); the migration
 * (scripts/migrate.ts) has none: it reads one URL per domain (checked on its own).
 */
export const configLoaders: Record<string, (env: Env) => unknown> = {
  'router/index': (env) => {
    const result = loadRouterConfig(env);
    if ('errors' in result) throw new Error(result.errors.join('\n'));
    return result.config;
  },
  'subgraphs/auth/index': loadAuthConfig,
  'subgraphs/samples/index': loadSamplesConfig,
  'subgraphs/submission/index': loadSubmissionConfig,
  'subgraphs/files/index': loadFilesConfig,
  'subgraphs/audit/index': loadAuditConfig,
  'subgraphs/ai/index': loadAiConfig,
  'subgraphs/audit/purge': loadRetentionConfig,
};

/** A value of the shape each kind of secret must have (the config schemas check the shape). */
export function testSecret(name: string): string {
  if (name.endsWith('_DATABASE_URL'))
    return `postgresql://role:${randomBytes(12).toString('hex')}@db.test:5432/${name.split('_')[0]!.toLowerCase()}`;
  if (name.endsWith('_KEY')) return randomBytes(32).toString('base64');
  if (name.endsWith('EMAIL')) return 'admin@example.org';
  return randomBytes(24).toString('hex');
}
