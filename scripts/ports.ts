// The ports of `npm start`: one base, PORT_BASE (default 4000), and a fixed offset per process, so a second stack
// on the same machine needs one variable. A process's own variable (e.g. SAMPLES_PORT) still wins over the base.
// Every port is checked before anything starts, and one in use is reported with the variables that move it.
import { createServer } from 'node:net';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../subgraphs/kit/config.ts';

/** Offset of each process's port from PORT_BASE (the README's port table lists the same). */
export const PORT_OFFSETS = {
  ROUTER_PORT: 0,
  AUTH_PORT: 1,
  SAMPLES_PORT: 2,
  SUBMISSION_PORT: 3,
  FILES_PORT: 4,
  AUDIT_PORT: 5,
  AI_PORT: 6,
  EMBEDDED_PG_PORT: 7,
  CHROMA_PORT: 8,
} as const;

export type PortVariable = keyof typeof PORT_OFFSETS;

export const DEFAULT_PORT_BASE = 4000;
const MAX_OFFSET = Math.max(...Object.values(PORT_OFFSETS));

const portBaseSchema = z.object({
  /** The router's port; the other processes' ports follow it (PORT_OFFSETS). @default 4000 */
  PORT_BASE: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535 - MAX_OFFSET, {
      message: `must be at most ${65535 - MAX_OFFSET} (the base plus ${MAX_OFFSET})`,
    })
    .default(DEFAULT_PORT_BASE),
});

export interface PortPlan {
  base: number;
  /** Every port variable: as set, or PORT_BASE + its offset. */
  ports: Record<PortVariable, number>;
  /** The variables that were set explicitly (not derived from the base). */
  explicit: Set<PortVariable>;
}

/** The port of every process from `env`: `<VARIABLE>` when set (0 = any free port), else PORT_BASE + offset. */
export function planPorts(env: NodeJS.ProcessEnv): PortPlan {
  const { PORT_BASE: base } = loadConfig(portBaseSchema, env);
  const portSchema = z.coerce.number().int().min(0).max(65535);
  const ports = {} as Record<PortVariable, number>;
  const explicit = new Set<PortVariable>();
  const problems: string[] = [];
  for (const [variable, offset] of Object.entries(PORT_OFFSETS) as [PortVariable, number][]) {
    const value = env[variable];
    if (value === undefined || value === '') {
      ports[variable] = base + offset;
      continue;
    }
    const parsed = portSchema.safeParse(value);
    if (parsed.success) {
      ports[variable] = parsed.data;
      explicit.add(variable);
    } else problems.push(`${variable}: must be a TCP port (0-65535), got '${value}'`);
  }
  if (problems.length) throw new ConfigError(problems);
  return { base, ports, explicit };
}

/** What to say when `variable`'s port is taken: the variables that would move it. */
export function portInUseMessage(plan: PortPlan, variable: PortVariable): string {
  const port = plan.ports[variable];
  return plan.explicit.has(variable)
    ? `port ${port} (${variable}=${port}) is in use: set ${variable} to a free port`
    : `port ${port} (${variable}, from PORT_BASE=${plan.base}) is in use: set PORT_BASE or ${variable}`;
}

/** True when a server could listen on `port` at `host` (undefined: every interface, as a server without a host). */
async function canListen(port: number, host: string | undefined): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(false) : reject(error),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Throws a ConfigError naming every port of `variables` that is in use (port 0 is always free). `hosts` gives
 * the address each process listens on (default 127.0.0.1; undefined for every interface).
 */
export async function assertPortsFree(
  plan: PortPlan,
  variables: PortVariable[],
  hosts: Partial<Record<PortVariable, string | undefined>> = {},
): Promise<void> {
  const problems: string[] = [];
  for (const variable of variables) {
    const port = plan.ports[variable];
    if (port === 0) continue;
    const host = variable in hosts ? hosts[variable] : '127.0.0.1';
    if (!(await canListen(port, host))) problems.push(portInUseMessage(plan, variable));
  }
  if (problems.length) throw new ConfigError(problems);
}
