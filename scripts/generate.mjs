// Runs at `npm ci` (postinstall): generates each domain's Prisma client and the GraphQL types.
// Plain JS so that it runs before anything else is built. Generated files are never committed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const env = { ...process.env, CHECKPOINT_DISABLE: '1' };
const domains = readdirSync('prisma', { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`prisma/${d.name}/schema.prisma`))
  .map((d) => d.name);

for (const domain of domains) {
  // Never connected to: the CLI only needs the variable set, or it tries to download an engine.
  const urlVariable = `${domain.toUpperCase()}_DATABASE_URL`;
  env[urlVariable] ??= `postgresql://localhost/${domain}`;
  execFileSync(
    process.execPath,
    ['node_modules/prisma/build/index.js', 'generate', '--config', `prisma/${domain}/prisma.config.ts`],
    { env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

// graphql-codegen is a dev dependency: a production install (--omit=dev) keeps the committed SDL only.
if (existsSync('node_modules/@graphql-codegen/cli')) {
  execFileSync(process.execPath, ['node_modules/@graphql-codegen/cli/esm/bin.js', '--config', 'codegen.ts'], {
    env,
    stdio: 'inherit',
  });
}
console.log(`generated: prisma clients (${domains.join(', ')}) and GraphQL types`);
