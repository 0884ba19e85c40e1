// How the sync engine writes each derived table (names and columns as in prisma/schema.prisma).
//
// - entity: read-modify-write. Rows touched by a batch are loaded, changed in memory by the handlers and written
//   back whole (INSERT … ON CONFLICT DO UPDATE SET every column).
// - accumulator: counters and sums written as deltas (ON CONFLICT DO UPDATE SET c = t.c + EXCLUDED.c), so they
//   are never loaded; `coalesce` columns keep the old value when the batch did not set them.
// - history: append-only rows tagged with their block; a reorg deletes those above the common ancestor.
//
// State rows (entity and accumulator) changed by a batch above the safe block are journaled in undo_log first.

export type Row = Record<string, unknown>;

export type TableKind = "entity" | "accumulator" | "history";

export type TableSpec = {
  table: string;
  kind: TableKind;
  pk: string[];
  /** accumulator: columns added on conflict. */
  add?: string[];
  /** accumulator: columns kept when the new value is NULL. */
  coalesce?: string[];
  /** Column holding the block number (history tables; raw_events and blocks are handled by the store). */
  blockColumn?: string;
  /** A row with every column at its default (key columns filled by the caller). */
  blank?: () => Row;
};

const ZERO_HASH = `0x${"0".repeat(64)}`;

export const ENTITY_TABLES = {
  protocol: {
    table: "protocol",
    kind: "entity",
    pk: ["id"],
    blank: () => ({
      id: 1,
      marketAddress: null,
      registryAddress: null,
      emitterAddress: null,
      jouleTokenAddress: null,
      treasury: null,
      protocolFeeBps: null,
      verificationWindow: null,
      slashPayerShareBps: null,
      paused: false,
      unbondingDelay: null,
      rewardGenesis: null,
      epochLength: null,
      initialEmission: null,
      halvingInterval: null,
      jobCount: 0n,
      updatedBlock: null,
    }),
  },
  jobs: { table: "jobs", kind: "entity", pk: ["id"] },
  providers: {
    table: "providers",
    kind: "entity",
    pk: ["address"],
    blank: () => ({
      address: "",
      registered: false,
      gpuClass: 0,
      gpuCount: 0,
      vramGb: 0n,
      carbonIntensity: 0n,
      region: ZERO_HASH,
      regionText: null,
      metadataURI: "",
      registeredAt: null,
      registeredBlock: null,
      profileUpdatedAt: null,
      stake: 0n,
      locked: 0n,
      unbonding: 0n,
      unlockAt: null,
      totalStaked: 0n,
      totalUnbonded: 0n,
      slashedTotal: 0n,
      slashCount: 0,
      bidsPlaced: 0,
      jobsAssigned: 0,
      jobsCompleted: 0,
      jobsFailed: 0,
      jobsTimedOut: 0,
      milestonesSettled: 0,
      milestonesRejected: 0,
      units: 0n,
      energyWh: 0n,
      co2eMg: 0n,
      rewardsClaimed: 0n,
      updatedAt: null,
      updatedBlock: 0n,
    }),
  },
  milestones: { table: "milestones", kind: "entity", pk: ["jobId", "index"] },
  verifierSets: {
    table: "verifier_sets",
    kind: "entity",
    pk: ["address"],
    blank: () => ({
      address: "",
      members: [],
      threshold: null,
      configuredAt: null,
      configuredBlock: null,
      allowed: false,
      allowedAt: null,
      updatedBlock: 0n,
    }),
  },
  rewardEpochs: {
    table: "reward_epochs",
    kind: "entity",
    pk: ["epoch"],
    blank: () => ({
      epoch: 0n,
      units: 0n,
      emission: null,
      minted: 0n,
      providers: 0,
      claims: 0,
      startsAt: null,
      endsAt: null,
      updatedBlock: 0n,
    }),
  },
  providerEpochs: {
    table: "provider_epochs",
    kind: "entity",
    pk: ["provider", "epoch"],
    blank: () => ({
      provider: "",
      epoch: 0n,
      units: 0n,
      claimed: false,
      reward: null,
      claimedTo: null,
      claimedAt: null,
      updatedBlock: 0n,
    }),
  },
} satisfies Record<string, TableSpec>;

export const ACCUMULATOR_TABLES = {
  tokens: {
    table: "tokens",
    kind: "accumulator",
    pk: ["address"],
    add: ["jobsCreated", "funded", "paid", "fees", "refunded", "withdrawn"],
    coalesce: ["allowed", "allowedAt"],
    blank: () => ({
      address: "",
      allowed: null,
      allowedAt: null,
      jobsCreated: 0,
      funded: 0n,
      paid: 0n,
      fees: 0n,
      refunded: 0n,
      withdrawn: 0n,
      updatedBlock: 0n,
    }),
  },
  balances: {
    table: "balances",
    kind: "accumulator",
    pk: ["account", "token"],
    add: ["credited", "withdrawn", "balance"],
    blank: () => ({ account: "", token: "", credited: 0n, withdrawn: 0n, balance: 0n, updatedBlock: 0n }),
  },
  providerEarnings: {
    table: "provider_earnings",
    kind: "accumulator",
    pk: ["provider", "token"],
    add: ["earned", "fees", "payments"],
    blank: () => ({ provider: "", token: "", earned: 0n, fees: 0n, payments: 0, updatedBlock: 0n }),
  },
  dailyStats: {
    table: "daily_stats",
    kind: "accumulator",
    pk: ["day"],
    add: [
      "jobsCreated",
      "jobsAssigned",
      "jobsCompleted",
      "jobsFailed",
      "jobsCancelled",
      "jobsExpired",
      "bidsPlaced",
      "proofsSubmitted",
      "milestonesAccepted",
      "milestonesRejected",
      "providersRegistered",
      "units",
      "energyWh",
      "co2eMg",
      "rewardsMinted",
      "slashed",
    ],
    blank: () => ({
      day: "",
      jobsCreated: 0,
      jobsAssigned: 0,
      jobsCompleted: 0,
      jobsFailed: 0,
      jobsCancelled: 0,
      jobsExpired: 0,
      bidsPlaced: 0,
      proofsSubmitted: 0,
      milestonesAccepted: 0,
      milestonesRejected: 0,
      providersRegistered: 0,
      units: 0n,
      energyWh: 0n,
      co2eMg: 0n,
      rewardsMinted: 0n,
      slashed: 0n,
      updatedBlock: 0n,
    }),
  },
  dailyTokenStats: {
    table: "daily_token_stats",
    kind: "accumulator",
    pk: ["day", "token"],
    add: ["funded", "paid", "fees", "refunded", "withdrawn"],
    blank: () => ({
      day: "",
      token: "",
      funded: 0n,
      paid: 0n,
      fees: 0n,
      refunded: 0n,
      withdrawn: 0n,
      updatedBlock: 0n,
    }),
  },
} satisfies Record<string, TableSpec>;

export const HISTORY_TABLES = {
  bids: { table: "bids", kind: "history", pk: ["id"], blockColumn: "blockNumber" },
  settlements: { table: "settlements", kind: "history", pk: ["id"], blockColumn: "blockNumber" },
  payouts: { table: "payouts", kind: "history", pk: ["id"], blockColumn: "blockNumber" },
  refunds: { table: "refunds", kind: "history", pk: ["id"], blockColumn: "blockNumber" },
  withdrawals: { table: "withdrawals", kind: "history", pk: ["id"], blockColumn: "blockNumber" },
  stakeChanges: { table: "stake_changes", kind: "history", pk: ["id"], blockColumn: "blockNumber" },
  slashes: { table: "slashes", kind: "history", pk: ["id"], blockColumn: "blockNumber" },
  rewardClaims: { table: "reward_claims", kind: "history", pk: ["id"], blockColumn: "blockNumber" },
  parameterChanges: { table: "parameter_changes", kind: "history", pk: ["id"], blockColumn: "blockNumber" },
} satisfies Record<string, TableSpec>;

export type EntityName = keyof typeof ENTITY_TABLES;
export type AccumulatorName = keyof typeof ACCUMULATOR_TABLES;
export type HistoryName = keyof typeof HISTORY_TABLES;

export const STATE_SPECS: TableSpec[] = [...Object.values(ENTITY_TABLES), ...Object.values(ACCUMULATOR_TABLES)];
export const HISTORY_SPECS: TableSpec[] = Object.values(HISTORY_TABLES);

/** A row's primary key as one string ("a|b" for composite keys). */
export function keyOf(spec: TableSpec, row: Row): string {
  const pk = spec.pk;
  // No array and join per call: keyOf runs several times per event in a backfill.
  let key = String(row[pk[0]!]);
  for (let i = 1; i < pk.length; i++) key += `|${String(row[pk[i]!])}`;
  return key;
}

/** Identifier quoting for the generated SQL (names come from the specs above, never from chain data). */
export const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
