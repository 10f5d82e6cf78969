// The event types a webhook can subscribe to, named as the outbox events are (the audit log's `type`), plus
// `sample.stage_changed`, which stands for every workflow move of a sample. A delivery's `type` is always the
// event's own type (e.g. sample.advanced), whichever name matched it. Sign-in events (user.*) and the audit log's
// own events are not offered: they are security records, not integration events.

const SAMPLE_MOVES = [
  'sample.received',
  'sample.advanced',
  'sample.held',
  'sample.resumed',
  'sample.failed',
  'sample.reprocessed',
  'sample.cancelled',
  'sample.distributed',
  'sample.archived',
] as const;

/** Name -> the audit event types it matches. */
export const WEBHOOK_EVENT_TYPES: Readonly<Record<string, readonly string[]>> = {
  'sample.stage_changed': SAMPLE_MOVES,
  ...Object.fromEntries(
    [
      ...SAMPLE_MOVES,
      'sample.created',
      'sample.updated',
      'sample.qc_recorded',
      'sample.assigned',
      'sample.priority_changed',
      'sample.note_added',
      'sample.loaded_on_run',
      'sample.removed_from_run',
      'project.created',
      'project.updated',
      'run.created',
      'run.updated',
      'run.samples_added',
      'run.sample_removed',
      'submission.imported',
      'submission.updated',
      'submission.row_added',
      'submission.row_updated',
      'submission.accepted',
      'submission.rejected',
      'submission.cancelled',
      'submission.extracted',
      'file.uploaded',
      'file.shared',
      'file.share_revoked',
      'file.deleted',
    ].map((type) => [type, [type]]),
  ),
};

/** At most this many names per subscription. */
export const MAX_EVENT_TYPES = 50;

/** The names, sorted (webhookEventTypes). */
export const webhookEventTypeNames = () => Object.keys(WEBHOOK_EVENT_TYPES).sort();

/** The audit types the names stand for, or the first unknown name. */
export function expandEventTypes(names: readonly string[]): { types: string[] } | { unknown: string } {
  const types = new Set<string>();
  for (const name of names) {
    const matched = Object.hasOwn(WEBHOOK_EVENT_TYPES, name) ? WEBHOOK_EVENT_TYPES[name] : undefined;
    if (!matched) return { unknown: name };
    for (const type of matched) types.add(type);
  }
  return { types: [...types].sort() };
}

/** Audit event types after which the owner's subscriptions are paused: their read rules may have changed. */
export const OWNER_CHANGE_TYPES = new Set(['user.roles_changed', 'user.deactivated']);
