// Verifies the whole chain at start and on a timer (AUDIT_VERIFY_INTERVAL_SECONDS) and exports the outcome, so
// that a broken chain pages someone (deploy/prometheus/alerts.yml, AuditChainBroken) rather than waiting for the
// next verifyAuditChain. Each replica verifies on its own: reads only, and hours apart by default.
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../kit/logger.ts';
import type { ChainService, ChainVerification } from './chain.service.ts';

export interface ChainMonitor {
  /** Verifies now (or joins the verification under way); undefined when it could not run (database down). */
  verifyNow(): Promise<ChainVerification | undefined>;
  /** Stops the timer and waits for a verification under way. */
  stop(): Promise<void>;
}

export function startChainMonitor(options: {
  chain: Pick<ChainService, 'verify'>;
  registry: Registry;
  /** 0: only at start and on verifyNow. */
  intervalSeconds: number;
  now: () => Date;
  log: Logger;
}): ChainMonitor {
  const { chain, registry, log } = options;
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });
  // Absent until the first verification ends: nothing is claimed about a chain nobody has checked.
  const intact = gauge(
    'audit_chain_intact',
    'Whether the last verification of the whole chain found it intact (1) or broken (0).',
  );
  const brokenAt = gauge(
    'audit_chain_first_broken_sequence',
    'Sequence of the first event the last verification found broken (0 when intact).',
  );
  const checked = gauge('audit_chain_verified_events', 'Events the last verification checked.');
  const lastRun = gauge(
    'audit_chain_last_verification_timestamp_seconds',
    'When the last verification of the chain ended (Unix time); a stale value means verification stopped.',
  );
  const duration = gauge('audit_chain_verification_duration_seconds', 'How long the last verification took.');

  let running: Promise<ChainVerification | undefined> | undefined;
  const verifyNow = () =>
    (running ??= (async () => {
      const started = options.now().getTime();
      try {
        const result = await chain.verify();
        const ended = options.now().getTime();
        intact.set(result.intact ? 1 : 0);
        brokenAt.set(result.firstBrokenSequence ?? 0);
        checked.set(result.checked);
        lastRun.set(ended / 1000);
        duration.set((ended - started) / 1000);
        if (!result.intact)
          log.error(
            { firstBrokenSequence: result.firstBrokenSequence, reason: result.reason },
            'audit chain verification: the chain is broken',
          );
        return result;
      } catch (error) {
        log.warn({ err: error }, 'audit chain verification failed to run; the next one tries again');
        return undefined;
      }
    })().finally(() => {
      running = undefined;
    }));

  void verifyNow();
  const timer =
    options.intervalSeconds > 0
      ? setInterval(() => void verifyNow(), options.intervalSeconds * 1000)
      : undefined;
  timer?.unref();
  return {
    verifyNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
