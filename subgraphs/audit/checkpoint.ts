// Signed checkpoints of the hash chain. The chain alone only shows that the log is consistent with itself: whoever
// can write the database can rewrite an event, recompute every later hash and move the chain head. A checkpoint
// is the chain's (sequence, hash) at one point, signed with an Ed25519 key that lives in the environment
// (AUDIT_SIGNING_KEY), never in the database; verifyAuditChain checks every checkpoint's signature and that the
// recomputed chain passes through each signed hash, so such a rewrite breaks at the next checkpoint.
//
// Checkpoints are made in the append transaction whenever AUDIT_CHECKPOINT_EVERY events have passed since the last
// one (so they cannot be missing without a trace: each checkpoint signs its interval, and a gap wider than it is
// reported), on a timer, at start, and after a retention purge. Events after the newest checkpoint are protected
// by the chain only.
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { Prisma } from '../../generated/prisma/audit/client.ts';
import { canonicalJson } from './canonical.ts';

/** PKCS#8 and SPKI DER prefixes of an Ed25519 key (RFC 8410): the 32 key bytes follow. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

/** Version of the signed layout, signed too. */
const CHECKPOINT_LAYOUT = 1;

export interface CheckpointContent {
  sequence: bigint;
  hash: string;
  signedAt: Date;
  /** The next checkpoint is due at most this many events later. */
  interval: number;
}

export interface Checkpoint extends CheckpointContent {
  keyId: string;
  /** base64url Ed25519 signature over the canonical content. */
  signature: string;
}

export interface CheckpointKeys {
  /** Id of the signing key: the first 16 hex digits of SHA-256 over its raw public key. */
  keyId: string;
  /** Events between checkpoints made by the append path (AUDIT_CHECKPOINT_EVERY). */
  every: number;
  sign(content: CheckpointContent): Checkpoint;
  /** True when the checkpoint's signature is valid under a known key (the current one or a listed older one). */
  verify(checkpoint: Checkpoint): boolean;
}

function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
}

export const checkpointKeyId = (key: KeyObject) =>
  createHash('sha256').update(rawPublicKey(key)).digest('hex').slice(0, 16);

/** The raw public key (base64) of a 32-byte signing seed: what AUDIT_CHECKPOINT_PUBLIC_KEYS lists. */
export function checkpointPublicKey(seed: Buffer): string {
  return rawPublicKey(createPublicKey(signingKeyFromSeed(seed))).toString('base64');
}

function signingKeyFromSeed(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

const signedBytes = (c: CheckpointContent) =>
  Buffer.from(
    canonicalJson({
      v: CHECKPOINT_LAYOUT,
      sequence: c.sequence,
      hash: c.hash,
      signedAt: c.signedAt,
      interval: c.interval,
    }),
  );

/**
 * @param seed the 32-byte Ed25519 seed (AUDIT_SIGNING_KEY)
 * @param previousPublicKeys raw public keys of earlier signing keys, still accepted when verifying
 */
export function createCheckpointKeys(
  seed: Buffer,
  every: number,
  previousPublicKeys: readonly Buffer[] = [],
): CheckpointKeys {
  const privateKey = signingKeyFromSeed(seed);
  const publicKeys = [createPublicKey(privateKey)].concat(
    previousPublicKeys.map((raw) =>
      createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' }),
    ),
  );
  const byId = new Map(publicKeys.map((k) => [checkpointKeyId(k), k]));
  const keyId = checkpointKeyId(publicKeys[0]!);
  return {
    keyId,
    every,
    sign(content) {
      const signature = sign(null, signedBytes(content), privateKey).toString('base64url');
      return { ...content, keyId, signature };
    },
    verify(checkpoint) {
      const key = byId.get(checkpoint.keyId);
      if (!key) return false;
      return verify(null, signedBytes(checkpoint), key, Buffer.from(checkpoint.signature, 'base64url'));
    },
  };
}

/** SELECT list mapping audit_checkpoint's columns to Checkpoint's keys. */
const CHECKPOINT_COLUMNS = Prisma.sql`sequence, hash, signed_at AS "signedAt", "interval", key_id AS "keyId", signature`;

const toCheckpoint = (row: Checkpoint): Checkpoint => ({ ...row, sequence: BigInt(row.sequence) });

type Db = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;

/** The newest checkpoint at or before `sequence` (default: the newest of all). */
export async function checkpointAtOrBefore(db: Db, sequence?: bigint): Promise<Checkpoint | undefined> {
  const rows = await db.$queryRaw<Checkpoint[]>`
    SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint
    WHERE ${sequence === undefined ? Prisma.sql`true` : Prisma.sql`sequence <= ${sequence}`}
    ORDER BY sequence DESC LIMIT 1`;
  return rows[0] && toCheckpoint(rows[0]);
}

/** Checkpoints with after < sequence <= through, in order. */
export async function checkpointsBetween(db: Db, after: bigint, through: bigint): Promise<Checkpoint[]> {
  const rows = await db.$queryRaw<Checkpoint[]>`
    SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint
    WHERE sequence > ${after} AND sequence <= ${through} ORDER BY sequence`;
  return rows.map(toCheckpoint);
}

export async function insertCheckpoints(db: Db, checkpoints: readonly Checkpoint[]): Promise<void> {
  for (const c of checkpoints) {
    await db.$executeRaw`
      INSERT INTO audit_checkpoint (sequence, hash, signed_at, "interval", key_id, signature)
      VALUES (${c.sequence}, ${c.hash}, ${c.signedAt}, ${c.interval}, ${c.keyId}, ${c.signature})`;
  }
}

/**
 * Where the append path must sign next: within the newest checkpoint's signed interval, or, before the first
 * checkpoint, after `every` events.
 */
export const nextDue = (last: Checkpoint | undefined, every: number): bigint =>
  last ? last.sequence + BigInt(last.interval) : BigInt(every);
