/**
 * Indexing progress as the sync process leaves it in the `checkpoints` table: the last
 * fully indexed block (written in the same transaction as its events), the safe block
 * and the chain head it last saw. Read by `_meta`, `/ready` and `/metrics`.
 */
import type { Db } from "./sql.ts";

export interface MetaSnapshot {
  chainId: number | null;
  /** Last fully indexed block. */
  block: { number: bigint; hash: string; timestamp: number | null } | null;
  safeBlock: bigint | null;
  headBlock: bigint | null;
  /** head − indexed, ≥ 0; null while either is unknown. */
  lagBlocks: bigint | null;
  /** When the sync process last wrote the checkpoint, unix seconds. */
  updatedAt: number | null;
  /** When the sync process last saw the chain head, unix seconds (null if it does not say). */
  headUpdatedAt: number | null;
  /** Indexed within `maxLag` blocks of the head, and the head seen within `maxHeadAgeSeconds`. */
  isSynced: boolean;
  /** Why not synced, for /ready; null when synced. */
  notSyncedReason: string | null;
}

interface CheckpointRow {
  chainId: number;
  blockNumber: string;
  blockHash: string;
  blockTimestamp: string | null;
  safeBlockNumber: string | null;
  headBlockNumber: string | null;
  updatedAt: string | null;
  headUpdatedAt: string | null;
}

/**
 * Reads the checkpoint of `chainId` (or, when not given, the most recently updated one:
 * a database indexes one chain).
 */
export async function readMeta(
  db: Db,
  options: {
    chainId?: number | undefined;
    maxLag: number;
    maxHeadAgeSeconds?: number;
    now?: () => number;
  },
): Promise<MetaSnapshot> {
  const params: string[] = [];
  let where = "";
  if (options.chainId !== undefined) {
    params.push(String(options.chainId));
    where = `WHERE "chainId" = $1::int4`;
  }
  const rows = await db.query<CheckpointRow>(
    `SELECT "chainId", "blockNumber"::text AS "blockNumber", "blockHash",
            floor(extract(epoch from "blockTimestamp"))::int8::text AS "blockTimestamp",
            "safeBlockNumber"::text AS "safeBlockNumber", "headBlockNumber"::text AS "headBlockNumber",
            floor(extract(epoch from "updatedAt"))::int8::text AS "updatedAt",
            floor(extract(epoch from "headUpdatedAt"))::int8::text AS "headUpdatedAt"
       FROM "checkpoints" ${where} ORDER BY "updatedAt" DESC LIMIT 1`,
    params,
  );
  const row = rows[0];
  if (row === undefined) {
    return {
      chainId: options.chainId ?? null,
      block: null,
      safeBlock: null,
      headBlock: null,
      lagBlocks: null,
      updatedAt: null,
      headUpdatedAt: null,
      isSynced: false,
      notSyncedReason: "nothing indexed yet",
    };
  }
  const indexed = BigInt(row.blockNumber);
  const head = row.headBlockNumber === null ? null : BigInt(row.headBlockNumber);
  const lag = head === null ? null : head > indexed ? head - indexed : 0n;
  const headUpdatedAt = row.headUpdatedAt === null ? null : Number(row.headUpdatedAt);
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  let notSyncedReason: string | null = null;
  if (lag === null) notSyncedReason = "chain head unknown";
  else if (lag > BigInt(options.maxLag)) notSyncedReason = `lagging ${lag} blocks (limit ${options.maxLag})`;
  else if (
    options.maxHeadAgeSeconds &&
    headUpdatedAt !== null &&
    nowSeconds - headUpdatedAt > options.maxHeadAgeSeconds
  ) {
    // The sync process stopped looking at the chain: a lag of 0 from long ago proves nothing.
    notSyncedReason = `chain head last seen ${nowSeconds - headUpdatedAt} s ago (limit ${options.maxHeadAgeSeconds} s)`;
  }
  return {
    chainId: Number(row.chainId),
    block: {
      number: indexed,
      hash: row.blockHash,
      timestamp: row.blockTimestamp === null ? null : Number(row.blockTimestamp),
    },
    safeBlock: row.safeBlockNumber === null ? null : BigInt(row.safeBlockNumber),
    headBlock: head,
    lagBlocks: lag,
    updatedAt: row.updatedAt === null ? null : Number(row.updatedAt),
    headUpdatedAt,
    isSynced: notSyncedReason === null,
    notSyncedReason,
  };
}
