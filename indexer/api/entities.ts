/**
 * What the API exposes of each table in prisma/schema.prisma: GraphQL field → column,
 * type, whether it can be filtered and ordered. The SDL's object types, `where` inputs,
 * `orderBy` enums, connections and single-row look-ups are generated from these, and
 * `entities.test.ts` checks every column here against the migrated database, so a
 * schema change that breaks the API fails a test instead of a query.
 */
import { codecs, type EntitySpec, type EnumSpec, type FieldSpec, type OrderTerm } from "./sql.ts";

// ───────────────────────────── Enums (PostgreSQL enum types of the same names) ─────────────────────────────

const pgEnum = (name: string, values: readonly string[], description: string): EnumSpec => ({
  name,
  values: Object.fromEntries(values.map((v) => [v, v])),
  description,
});

export const enums = {
  JobStatus: pgEnum(
    "JobStatus",
    ["OPEN", "ASSIGNED", "COMPLETED", "CANCELLED", "EXPIRED", "FAILED"],
    "Where a job is in its lifecycle.",
  ),
  CloseReason: pgEnum(
    "CloseReason",
    ["COMPLETED", "CANCELLED_BY_TENANT", "NO_BIDS", "PROOF_REJECTED", "DELIVERY_MISSED", "VERIFICATION_TIMEOUT"],
    "Why a job reached a terminal state.",
  ),
  MilestoneStatus: pgEnum(
    "MilestoneStatus",
    ["PENDING", "ACCEPTED", "REJECTED", "TIMED_OUT"],
    "How a milestone proof was judged.",
  ),
  BidKind: pgEnum(
    "BidKind",
    ["ONCHAIN", "SIGNED"],
    "ONCHAIN: a BidPlaced best bid; SIGNED: an EIP-712 bid accepted by the tenant.",
  ),
  PayoutKind: pgEnum(
    "PayoutKind",
    ["PROVIDER_PAYMENT", "PROTOCOL_FEE", "REFUND", "SLASH_COMPENSATION", "SLASH_TREASURY"],
    "What a credit to a market balance paid for.",
  ),
  RefundReason: pgEnum(
    "RefundReason",
    [
      "ASSIGNMENT_EXCESS",
      "COMPLETED_UNUSED",
      "CANCELLED_BY_TENANT",
      "NO_BIDS",
      "PROOF_REJECTED",
      "DELIVERY_MISSED",
      "VERIFICATION_TIMEOUT",
    ],
    "Why escrow went back to the payer.",
  ),
  SlashReason: pgEnum("SlashReason", ["PROOF_REJECTED", "DELIVERY_MISSED"], "Why collateral was slashed."),
  StakeChangeKind: pgEnum(
    "StakeChangeKind",
    ["STAKED", "UNBOND_REQUESTED", "UNBONDED", "COLLATERAL_LOCKED", "COLLATERAL_RELEASED", "SLASHED"],
    "Which registry event changed a provider's stake.",
  ),
} as const;

// ───────────────────────────── Field builders ─────────────────────────────

type Opts = Partial<Omit<FieldSpec, "type" | "codec">>;
const f =
  (type: FieldSpec["type"], codec: FieldSpec["codec"]) =>
  (column: string, opts: Opts = {}): FieldSpec => ({
    column,
    type,
    codec,
    ...opts,
  });
/** uint256 / NUMERIC(78,0). */
const big = f("BigInt", codecs.numeric);
/** BIGINT columns: block numbers, log indexes, uint32/uint40 values. */
const long = f("Long", codecs.int8);
const int = f("Int", codecs.int4);
const bool = f("Boolean", codecs.bool);
const addr = f("Address", codecs.text);
const b32 = f("Bytes32", codecs.text);
const str = f("String", codecs.text);
const id = f("ID", codecs.text);
const date = f("Date", codecs.date);
/** timestamptz as unix seconds (Long). */
const time = f("Long", codecs.timestamptz);
const enumField =
  (e: EnumSpec) =>
  (column: string, opts: Opts = {}): FieldSpec => ({
    column,
    type: e,
    codec: codecs.pgEnum(`"${e.name}"`),
    ...opts,
  });

const ordered = { order: true } as const;
const nullable = { nullable: true } as const;
const orderedNullable = { order: true, nullable: true } as const;

/** Where an event sits on chain; history tables are ordered by it. */
const eventPosition = (): Record<string, FieldSpec> => ({
  blockNumber: long("blockNumber", ordered),
  logIndex: long("logIndex", ordered),
  txHash: b32("txHash"),
  timestamp: time("timestamp", {
    order: true,
    description: "Block timestamp, unix seconds.",
  }),
});
const chronological: readonly OrderTerm[] = [
  { field: "blockNumber", direction: "ASC" },
  { field: "logIndex", direction: "ASC" },
];

// ───────────────────────────── Entities ─────────────────────────────

export const Job: EntitySpec = {
  name: "Job",
  plural: "jobs",
  table: `"jobs"`,
  key: ["id"],
  description:
    "A compute job: its immutable terms (JobParams) and its current state. funded = paid + fees + refunded + escrow, per job.",
  defaultOrder: [{ field: "id", direction: "ASC" }],
  // Kept by triggers on jobs (migration 20261128000000_job_price_levels).
  countRollup: { table: `"job_price_levels"`, fields: ["status", "maxPricePerUnit"], countColumn: "jobs" },
  fields: {
    id: big("id", ordered),
    tenant: addr("tenant"),
    payer: addr("payer", {
      description: "Who funded the escrow; every refund goes here.",
    }),
    feeBps: int("feeBps"),
    verificationWindow: long("verificationWindow"),
    token: addr("token", { description: "Payment token." }),
    verifier: addr("verifier", {
      description: "IWorkVerifier judging the proofs.",
    }),
    specHash: b32("specHash"),
    maxUnits: big("maxUnits", ordered),
    maxPricePerUnit: big("maxPricePerUnit", ordered),
    collateral: big("collateral", ordered),
    biddingEnd: long("biddingEnd", {
      order: true,
      description: "Unix seconds.",
    }),
    deliveryWindow: long("deliveryWindow"),
    milestoneCount: int("milestones", { description: "Number of milestones." }),
    minGpuClass: int("minGpuClass"),
    minGpuCount: int("minGpuCount"),
    minVramGb: long("minVramGb"),
    maxCarbonIntensity: long("maxCarbonIntensity", {
      description: "gCO2e/kWh cap on the provider's declared intensity; 0 = none.",
    }),
    funded: big("funded", ordered),
    status: enumField(enums.JobStatus)("status", ordered),
    closeReason: enumField(enums.CloseReason)("closeReason", nullable),
    bestBidProvider: addr("bestBidProvider", {
      nullable: true,
      description: "Best on-chain bidder while open.",
    }),
    bestBidPrice: big("bestBidPrice", orderedNullable),
    bidCount: int("bidCount", ordered),
    provider: addr("provider", {
      nullable: true,
      expose: "providerAddress",
      description: "Assigned provider.",
    }),
    pricePerUnit: big("pricePerUnit", orderedNullable),
    signedBid: bool("signedBid", nullable),
    escrow: big("escrow", ordered),
    paid: big("paid", {
      order: true,
      description: "Net paid to the provider (Σ payment − fee).",
    }),
    fees: big("fees", ordered),
    refunded: big("refunded", ordered),
    milestonesSettled: int("milestonesSettled", ordered),
    units: big("units", {
      order: true,
      description: "Verified work, GPU-seconds.",
    }),
    energyWh: big("energyWh", ordered),
    co2eMg: big("co2eMg", {
      order: true,
      description: "Estimated emissions, milligrams CO2e.",
    }),
    pendingMilestone: int("pendingMilestone", nullable),
    deliveryDeadline: long("deliveryDeadline", orderedNullable),
    verifyDeadline: long("verifyDeadline", orderedNullable),
    collateralReleased: big("collateralReleased"),
    slashed: big("slashed", ordered),
    compensation: big("compensation"),
    createdAt: time("createdAt", ordered),
    createdBlock: long("createdBlock", ordered),
    createdTx: b32("createdTx"),
    assignedAt: time("assignedAt", orderedNullable),
    assignedBlock: long("assignedBlock", orderedNullable),
    closedAt: time("closedAt", orderedNullable),
    closedBlock: long("closedBlock", orderedNullable),
    updatedAt: time("updatedAt", ordered),
    updatedBlock: long("updatedBlock", ordered),
  },
};

export const Bid: EntitySpec = {
  name: "Bid",
  plural: "bids",
  table: `"bids"`,
  key: ["id"],
  description: "Bid history: every on-chain best bid and every accepted signed bid.",
  defaultOrder: chronological,
  fields: {
    id: id("id"),
    jobId: big("jobId", ordered),
    provider: addr("provider", { expose: "providerAddress" }),
    pricePerUnit: big("pricePerUnit", ordered),
    kind: enumField(enums.BidKind)("kind"),
    replaced: addr("replaced", {
      nullable: true,
      description: "Provider whose on-chain bid this one displaced.",
    }),
    ...eventPosition(),
  },
};

export const Milestone: EntitySpec = {
  name: "Milestone",
  plural: "milestones",
  table: `"milestones"`,
  key: ["jobId", "index"],
  description: "One milestone of a job: its work proof and how it was judged.",
  defaultOrder: [
    { field: "jobId", direction: "ASC" },
    { field: "index", direction: "ASC" },
  ],
  fields: {
    jobId: big("jobId", ordered),
    index: int("index", { order: true, description: "0-based." }),
    provider: addr("provider", { expose: "providerAddress" }),
    status: enumField(enums.MilestoneStatus)("status"),
    resultRoot: b32("resultRoot"),
    units: big("units", ordered),
    energyWh: big("energyWh", ordered),
    carbonIntensity: long("carbonIntensity", {
      nullable: true,
      description: "Provider's declared gCO2e/kWh at settlement.",
    }),
    co2eMg: big("co2eMg", nullable),
    verifyDeadline: long("verifyDeadline", ordered),
    submittedAt: time("submittedAt", ordered),
    submittedBlock: long("submittedBlock", ordered),
    submittedTx: b32("submittedTx"),
    payment: big("payment", {
      nullable: true,
      description: "Gross payment price × units (accepted only).",
    }),
    fee: big("fee", nullable),
    escrowRemaining: big("escrowRemaining", nullable),
    rewardEpoch: long("rewardEpoch", nullable),
    deliveryDeadline: long("deliveryDeadline", nullable),
    settledAt: time("settledAt", orderedNullable),
    settledBlock: long("settledBlock", orderedNullable),
    settledTx: b32("settledTx", nullable),
  },
};

export const Settlement: EntitySpec = {
  name: "Settlement",
  plural: "settlements",
  table: `"settlements"`,
  key: ["id"],
  description: "A verifier judgement: an accepted milestone (MilestoneSettled) or a rejected proof.",
  defaultOrder: chronological,
  fields: {
    id: id("id"),
    jobId: big("jobId", ordered),
    milestone: int("milestone", ordered),
    provider: addr("provider", { expose: "providerAddress" }),
    accepted: bool("accepted"),
    resultRoot: b32("resultRoot"),
    units: big("units", ordered),
    energyWh: big("energyWh", ordered),
    payment: big("payment", orderedNullable),
    fee: big("fee", nullable),
    rewardEpoch: long("rewardEpoch", nullable),
    ...eventPosition(),
  },
};

export const Payout: EntitySpec = {
  name: "Payout",
  plural: "payouts",
  table: `"payouts"`,
  key: ["id"],
  description: "A credit to a pull-payment balance in the market (provider payment, fee, refund, slash share).",
  defaultOrder: chronological,
  fields: {
    id: id("id"),
    kind: enumField(enums.PayoutKind)("kind"),
    account: addr("account"),
    token: addr("token"),
    amount: big("amount", ordered),
    jobId: big("jobId", orderedNullable),
    milestone: int("milestone", nullable),
    ...eventPosition(),
  },
};

export const Refund: EntitySpec = {
  name: "Refund",
  plural: "refunds",
  table: `"refunds"`,
  key: ["id"],
  description: "Payment tokens credited back to a job's payer.",
  defaultOrder: chronological,
  fields: {
    id: id("id"),
    jobId: big("jobId", ordered),
    payer: addr("payer"),
    token: addr("token"),
    amount: big("amount", ordered),
    reason: enumField(enums.RefundReason)("reason"),
    ...eventPosition(),
  },
};

export const Withdrawal: EntitySpec = {
  name: "Withdrawal",
  plural: "withdrawals",
  table: `"withdrawals"`,
  key: ["id"],
  description:
    "A Withdrawn event: `amount` of `token` left `account`'s market balance (the token's own Transfer names the recipient).",
  defaultOrder: chronological,
  fields: {
    id: id("id"),
    account: addr("account"),
    token: addr("token"),
    to: addr("to", {
      nullable: true,
      description: "Recipient, only from market builds whose Withdrawn event carried it.",
    }),
    amount: big("amount", ordered),
    remaining: big("remaining", {
      nullable: true,
      description:
        "Balance left after the withdrawal (only from market builds whose Withdrawn event carried it; see `balances`).",
    }),
    ...eventPosition(),
  },
};

export const Balance: EntitySpec = {
  name: "Balance",
  plural: "balances",
  table: `"balances"`,
  key: ["account", "token"],
  description: "A market balance: credited − withdrawn = balance.",
  defaultOrder: [
    { field: "account", direction: "ASC" },
    { field: "token", direction: "ASC" },
  ],
  fields: {
    account: addr("account", ordered),
    token: addr("token", ordered),
    credited: big("credited", ordered),
    withdrawn: big("withdrawn", ordered),
    balance: big("balance", ordered),
    updatedBlock: long("updatedBlock", ordered),
  },
};

export const Slash: EntitySpec = {
  name: "Slash",
  plural: "slashes",
  table: `"slashes"`,
  key: ["id"],
  description: "Collateral slashed from a provider, with the payer's compensation and the treasury's share.",
  defaultOrder: chronological,
  fields: {
    id: id("id"),
    provider: addr("provider", { expose: "providerAddress" }),
    jobId: big("jobId", ordered),
    reason: enumField(enums.SlashReason)("reason"),
    amount: big("amount", ordered),
    stakeAfter: big("stakeAfter"),
    lockedAfter: big("lockedAfter"),
    payer: addr("payer", nullable),
    compensation: big("compensation", nullable),
    treasuryShare: big("treasuryShare", nullable),
    ...eventPosition(),
  },
};

export const Provider: EntitySpec = {
  name: "Provider",
  plural: "providers",
  table: `"providers"`,
  key: ["address"],
  description: "A GPU provider: profile, stake and reputation.",
  defaultOrder: [{ field: "address", direction: "ASC" }],
  fields: {
    address: addr("address", ordered),
    registered: bool("registered"),
    gpuClass: int("gpuClass", ordered),
    gpuCount: int("gpuCount", ordered),
    vramGb: long("vramGb", ordered),
    carbonIntensity: long("carbonIntensity", {
      order: true,
      description: "Declared grid carbon intensity, gCO2e/kWh.",
    }),
    region: b32("region"),
    regionText: str("regionText", nullable),
    metadataURI: str("metadataURI", { filter: false }),
    registeredAt: time("registeredAt", orderedNullable),
    registeredBlock: long("registeredBlock", orderedNullable),
    profileUpdatedAt: time("profileUpdatedAt", nullable),
    stake: big("stake", {
      order: true,
      description: "JOULE staked, including locked and unbonding.",
    }),
    locked: big("locked", ordered),
    unbonding: big("unbonding", ordered),
    unlockAt: long("unlockAt", nullable),
    totalStaked: big("totalStaked"),
    totalUnbonded: big("totalUnbonded"),
    slashedTotal: big("slashedTotal", ordered),
    slashCount: int("slashCount", ordered),
    bidsPlaced: int("bidsPlaced", ordered),
    jobsAssigned: int("jobsAssigned", ordered),
    jobsCompleted: int("jobsCompleted", ordered),
    jobsFailed: int("jobsFailed", ordered),
    jobsTimedOut: int("jobsTimedOut", ordered),
    milestonesSettled: int("milestonesSettled", ordered),
    milestonesRejected: int("milestonesRejected", ordered),
    units: big("units", {
      order: true,
      description: "Verified work, GPU-seconds.",
    }),
    energyWh: big("energyWh", ordered),
    co2eMg: big("co2eMg", ordered),
    rewardsClaimed: big("rewardsClaimed", ordered),
    updatedAt: time("updatedAt", ordered),
    updatedBlock: long("updatedBlock", ordered),
  },
};

export const ProviderEarning: EntitySpec = {
  name: "ProviderEarning",
  plural: "providerEarnings",
  table: `"provider_earnings"`,
  key: ["provider", "token"],
  description: "A provider's earnings in one payment token, net of fees.",
  defaultOrder: [
    { field: "provider", direction: "ASC" },
    { field: "token", direction: "ASC" },
  ],
  fields: {
    provider: addr("provider", { order: true, expose: "providerAddress" }),
    token: addr("token", ordered),
    earned: big("earned", ordered),
    fees: big("fees", ordered),
    payments: int("payments", ordered),
    updatedBlock: long("updatedBlock", ordered),
  },
};

export const StakeChange: EntitySpec = {
  name: "StakeChange",
  plural: "stakeChanges",
  table: `"stake_changes"`,
  key: ["id"],
  description: "Stake history of a provider, with the values the registry reported after each change.",
  defaultOrder: chronological,
  fields: {
    id: id("id"),
    provider: addr("provider", { expose: "providerAddress" }),
    kind: enumField(enums.StakeChangeKind)("kind"),
    amount: big("amount", ordered),
    jobId: big("jobId", nullable),
    counterparty: addr("counterparty", nullable),
    stakeAfter: big("stakeAfter", nullable),
    lockedAfter: big("lockedAfter", nullable),
    unbondingAfter: big("unbondingAfter", nullable),
    unlockAt: long("unlockAt", nullable),
    ...eventPosition(),
  },
};

export const VerifierSet: EntitySpec = {
  name: "VerifierSet",
  plural: "verifierSets",
  table: `"verifier_sets"`,
  key: ["address"],
  description: "A verifier contract: its quorum (members, threshold) and allowlist state.",
  defaultOrder: [{ field: "address", direction: "ASC" }],
  fields: {
    address: addr("address", ordered),
    members: {
      column: "members",
      type: "AddressList",
      codec: codecs.textArray,
      filter: false,
    },
    threshold: big("threshold", nullable),
    configuredAt: time("configuredAt", nullable),
    configuredBlock: long("configuredBlock", orderedNullable),
    allowed: bool("allowed"),
    allowedAt: time("allowedAt", nullable),
    updatedBlock: long("updatedBlock", ordered),
  },
};

export const Token: EntitySpec = {
  name: "Token",
  plural: "tokens",
  table: `"tokens"`,
  key: ["address"],
  description: "A payment token: allowlist state and volume, in the token's base units.",
  defaultOrder: [{ field: "address", direction: "ASC" }],
  fields: {
    address: addr("address", ordered),
    allowed: bool("allowed", nullable),
    allowedAt: time("allowedAt", nullable),
    jobsCreated: int("jobsCreated", ordered),
    funded: big("funded", ordered),
    paid: big("paid", {
      order: true,
      description: "Gross milestone payments (provider share + fee).",
    }),
    fees: big("fees", ordered),
    refunded: big("refunded", ordered),
    withdrawn: big("withdrawn", ordered),
    updatedBlock: long("updatedBlock", ordered),
  },
};

export const RewardEpoch: EntitySpec = {
  name: "RewardEpoch",
  plural: "rewardEpochs",
  table: `"reward_epochs"`,
  key: ["epoch"],
  description: "A reward epoch: verified units, its emission and what was minted.",
  defaultOrder: [{ field: "epoch", direction: "ASC" }],
  fields: {
    epoch: long("epoch", ordered),
    units: big("units", ordered),
    emission: big("emission", {
      nullable: true,
      description: "initialEmission >> (epoch / halvingInterval); null if the schedule is unknown.",
    }),
    minted: big("minted", ordered),
    providers: int("providers", ordered),
    claims: int("claims", ordered),
    startsAt: time("startsAt", nullable),
    endsAt: time("endsAt", nullable),
    updatedBlock: long("updatedBlock", ordered),
  },
};

export const ProviderEpoch: EntitySpec = {
  name: "ProviderEpoch",
  plural: "providerEpochs",
  table: `"provider_epochs"`,
  key: ["provider", "epoch"],
  description: "A provider's verified units in one epoch and its claim.",
  defaultOrder: [
    { field: "epoch", direction: "ASC" },
    { field: "provider", direction: "ASC" },
  ],
  fields: {
    provider: addr("provider", { order: true, expose: "providerAddress" }),
    epoch: long("epoch", ordered),
    units: big("units", ordered),
    claimed: bool("claimed"),
    reward: big("reward", orderedNullable),
    claimedTo: addr("claimedTo", nullable),
    claimedAt: time("claimedAt", nullable),
    updatedBlock: long("updatedBlock", ordered),
  },
};

export const RewardClaim: EntitySpec = {
  name: "RewardClaim",
  plural: "rewardClaims",
  table: `"reward_claims"`,
  key: ["id"],
  description: "JOULE minted to `to` for a provider's work in an epoch.",
  defaultOrder: chronological,
  fields: {
    id: id("id"),
    provider: addr("provider", { expose: "providerAddress" }),
    epoch: long("epoch", ordered),
    to: addr("to", {
      nullable: true,
      description: "Recipient, only from market builds whose Withdrawn event carried it.",
    }),
    amount: big("amount", ordered),
    ...eventPosition(),
  },
};

export const DailyStat: EntitySpec = {
  name: "DailyStat",
  plural: "dailyStats",
  table: `"daily_stats"`,
  key: ["day"],
  description: "Network activity per UTC day of the block timestamp.",
  defaultOrder: [{ field: "day", direction: "ASC" }],
  fields: {
    day: date("day", ordered),
    jobsCreated: int("jobsCreated", ordered),
    jobsAssigned: int("jobsAssigned"),
    jobsCompleted: int("jobsCompleted", ordered),
    jobsFailed: int("jobsFailed"),
    jobsCancelled: int("jobsCancelled"),
    jobsExpired: int("jobsExpired"),
    bidsPlaced: int("bidsPlaced"),
    proofsSubmitted: int("proofsSubmitted"),
    milestonesAccepted: int("milestonesAccepted"),
    milestonesRejected: int("milestonesRejected"),
    providersRegistered: int("providersRegistered"),
    units: big("units", ordered),
    energyWh: big("energyWh", ordered),
    co2eMg: big("co2eMg", ordered),
    rewardsMinted: big("rewardsMinted"),
    slashed: big("slashed"),
    updatedBlock: long("updatedBlock"),
  },
};

export const DailyTokenStat: EntitySpec = {
  name: "DailyTokenStat",
  plural: "dailyTokenStats",
  table: `"daily_token_stats"`,
  key: ["day", "token"],
  description: "Money moved per UTC day and payment token.",
  defaultOrder: [
    { field: "day", direction: "ASC" },
    { field: "token", direction: "ASC" },
  ],
  fields: {
    day: date("day", ordered),
    token: addr("token", ordered),
    funded: big("funded", ordered),
    paid: big("paid", ordered),
    fees: big("fees", ordered),
    refunded: big("refunded", ordered),
    withdrawn: big("withdrawn", ordered),
    updatedBlock: long("updatedBlock"),
  },
};

export const ParameterChange: EntitySpec = {
  name: "ParameterChange",
  plural: "parameterChanges",
  table: `"parameter_changes"`,
  key: ["id"],
  description: "Governance and wiring events, oldest first.",
  defaultOrder: chronological,
  fields: {
    id: id("id"),
    contract: addr("contract"),
    parameter: str("parameter"),
    subject: str("subject", nullable),
    oldValue: str("oldValue", nullable),
    newValue: str("newValue"),
    ...eventPosition(),
  },
};

/** Current protocol parameters (a single row); exposed as `protocol`, without list queries. */
export const Protocol: EntitySpec = {
  name: "Protocol",
  plural: "protocols",
  table: `"protocol"`,
  key: ["id"],
  description: "Current protocol parameters and contract addresses, as governance events set them.",
  defaultOrder: [{ field: "id", direction: "ASC" }],
  fields: {
    id: int("id", { expose: false }),
    marketAddress: addr("marketAddress", nullable),
    registryAddress: addr("registryAddress", nullable),
    emitterAddress: addr("emitterAddress", nullable),
    jouleTokenAddress: addr("jouleTokenAddress", nullable),
    treasury: addr("treasury", nullable),
    protocolFeeBps: int("protocolFeeBps", nullable),
    verificationWindow: long("verificationWindow", nullable),
    slashPayerShareBps: int("slashPayerShareBps", nullable),
    paused: bool("paused"),
    unbondingDelay: long("unbondingDelay", nullable),
    rewardGenesis: long("rewardGenesis", nullable),
    epochLength: long("epochLength", nullable),
    initialEmission: big("initialEmission", nullable),
    halvingInterval: long("halvingInterval", nullable),
    jobCount: big("jobCount"),
    updatedBlock: long("updatedBlock", nullable),
  },
};

/** Every entity with list and single-row queries, in SDL order. */
export const ENTITIES: readonly EntitySpec[] = [
  Job,
  Bid,
  Milestone,
  Settlement,
  Payout,
  Refund,
  Withdrawal,
  Balance,
  Slash,
  Provider,
  ProviderEarning,
  StakeChange,
  VerifierSet,
  Token,
  RewardEpoch,
  ProviderEpoch,
  RewardClaim,
  DailyStat,
  DailyTokenStat,
  ParameterChange,
];

/** Singular query name for an entity (Job → job, VerifierSet → verifierSet). */
export const singular = (spec: EntitySpec) => spec.name[0]!.toLowerCase() + spec.name.slice(1);
