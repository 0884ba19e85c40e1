/**
 * The GraphQL schema: SDL generated from the entity descriptors (types, `where` inputs,
 * `orderBy` enums, connections, list and single-row queries), plus relations, statistics,
 * `_meta` and subscriptions; and the resolvers for all of it.
 */
import { argsKey } from "./snapshot-cache.ts";
import type { GraphQLResolveInfo, GraphQLSchema } from "graphql";
import { createSchema } from "graphql-yoga";
import { ENTITIES, Payout, Protocol, Provider, enums, singular } from "./entities.ts";
import * as E from "./entities.ts";
import { ErrorCode, apiError, badInput } from "./errors.ts";
import type { LiveUpdates } from "./live.ts";
import type { Loaders } from "./loaders.ts";
import type { MetaSnapshot } from "./meta.ts";
import { selectedColumns, type FieldSources } from "./projection.ts";
import type { LimitOptions } from "./plugins.ts";
import { AddressScalar, BigIntScalar, Bytes32Scalar, DateScalar, LongScalar } from "./scalars.ts";
import {
  countRows,
  findPage,
  fromDbText,
  toDbText,
  type CompileLimits,
  type Db,
  type EntitySpec,
  type FieldSpec,
  type OrderTerm,
  type Page,
  type Row,
  type Where,
} from "./sql.ts";
import { energyStats, jobCounts, leaderboard, providerTotals, rewardTotals, type LeaderboardMetric } from "./stats.ts";

export interface ApiContext {
  db: Db;
  loaders: Loaders;
  limits: LimitOptions;
  compileLimits: CompileLimits;
  live: LiveUpdates;
  meta: () => Promise<MetaSnapshot>;
  maxLagBlocks: number;
  /** A whole-index aggregate, computed once per checkpoint (snapshot-cache.ts). */
  cached: <T>(key: string, compute: () => Promise<T>) => Promise<T>;
}

// ───────────────────────────── Relations ─────────────────────────────

interface Relation {
  parent: EntitySpec;
  name: string;
  child: EntitySpec;
  /** one: a single row or null; list: every matching row (small, bounded sets); connection: paginated. */
  kind: "one" | "list" | "connection";
  /** Parent field whose value the child's `to` field must equal. */
  from: string;
  to: string;
  description: string;
}

const rel = (
  parent: EntitySpec,
  name: string,
  kind: Relation["kind"],
  child: EntitySpec,
  from: string,
  to: string,
  description: string,
): Relation => ({
  parent,
  name,
  child,
  kind,
  from,
  to,
  description,
});

export const RELATIONS: readonly Relation[] = [
  rel(E.Job, "provider", "one", E.Provider, "provider", "address", "The assigned provider."),
  rel(E.Job, "paymentToken", "one", E.Token, "token", "address", "The payment token's volume and allowlist state."),
  rel(E.Job, "verifierSet", "one", E.VerifierSet, "verifier", "address", "The verifier judging the proofs."),
  rel(E.Job, "milestones", "list", E.Milestone, "id", "jobId", "Proven milestones, in order (at most 64)."),
  rel(E.Job, "bids", "connection", E.Bid, "id", "jobId", "Bid history."),
  rel(E.Job, "settlements", "list", E.Settlement, "id", "jobId", "Verifier judgements, in order."),
  rel(E.Job, "payouts", "list", E.Payout, "id", "jobId", "Balance credits the job caused, in order."),
  rel(E.Job, "refunds", "list", E.Refund, "id", "jobId", "Refunds to the payer, in order."),
  rel(E.Job, "slashes", "list", E.Slash, "id", "jobId", "Collateral slashed over this job."),
  rel(E.Bid, "job", "one", E.Job, "jobId", "id", "The job bid on."),
  rel(E.Bid, "provider", "one", E.Provider, "provider", "address", "The bidder."),
  rel(E.Milestone, "job", "one", E.Job, "jobId", "id", "The job."),
  rel(E.Milestone, "provider", "one", E.Provider, "provider", "address", "The prover."),
  rel(E.Settlement, "job", "one", E.Job, "jobId", "id", "The job."),
  rel(E.Settlement, "provider", "one", E.Provider, "provider", "address", "The prover."),
  rel(E.Payout, "job", "one", E.Job, "jobId", "id", "The job that caused the credit, if any."),
  rel(E.Refund, "job", "one", E.Job, "jobId", "id", "The job."),
  rel(E.Slash, "job", "one", E.Job, "jobId", "id", "The job."),
  rel(E.Slash, "provider", "one", E.Provider, "provider", "address", "The slashed provider."),
  rel(E.Provider, "jobs", "connection", E.Job, "address", "provider", "Jobs assigned to the provider."),
  rel(E.Provider, "bids", "connection", E.Bid, "address", "provider", "Bids the provider placed or had accepted."),
  rel(E.Provider, "milestones", "connection", E.Milestone, "address", "provider", "Milestones the provider proved."),
  rel(
    E.Provider,
    "settlements",
    "connection",
    E.Settlement,
    "address",
    "provider",
    "Judgements of the provider's proofs.",
  ),
  rel(E.Provider, "payouts", "connection", E.Payout, "address", "account", "Credits to the provider's market balance."),
  rel(
    E.Provider,
    "withdrawals",
    "connection",
    E.Withdrawal,
    "address",
    "account",
    "Withdrawals from the provider's market balance.",
  ),
  rel(E.Provider, "earnings", "list", E.ProviderEarning, "address", "provider", "Earnings per payment token."),
  rel(E.Provider, "balances", "list", E.Balance, "address", "account", "Market balances per token."),
  rel(E.Provider, "stakeChanges", "connection", E.StakeChange, "address", "provider", "Stake history."),
  rel(E.Provider, "slashes", "connection", E.Slash, "address", "provider", "Slashes."),
  rel(
    E.Provider,
    "epochs",
    "connection",
    E.ProviderEpoch,
    "address",
    "provider",
    "Verified work and claims per reward epoch.",
  ),
  rel(E.Provider, "rewardClaims", "connection", E.RewardClaim, "address", "provider", "Rewards claimed."),
  rel(E.ProviderEarning, "provider", "one", E.Provider, "provider", "address", "The provider."),
  rel(E.ProviderEarning, "paymentToken", "one", E.Token, "token", "address", "The token."),
  rel(E.StakeChange, "provider", "one", E.Provider, "provider", "address", "The provider."),
  rel(E.VerifierSet, "jobs", "connection", E.Job, "address", "verifier", "Jobs judged by this verifier."),
  rel(E.Token, "jobs", "connection", E.Job, "address", "token", "Jobs paid in this token."),
  rel(
    E.RewardEpoch,
    "providerEpochs",
    "connection",
    E.ProviderEpoch,
    "epoch",
    "epoch",
    "Each provider's work in the epoch.",
  ),
  rel(E.RewardEpoch, "rewardClaims", "connection", E.RewardClaim, "epoch", "epoch", "Claims for the epoch."),
  rel(E.ProviderEpoch, "provider", "one", E.Provider, "provider", "address", "The provider."),
  rel(E.ProviderEpoch, "rewardEpoch", "one", E.RewardEpoch, "epoch", "epoch", "The epoch."),
  rel(E.RewardClaim, "provider", "one", E.Provider, "provider", "address", "The provider."),
  rel(E.RewardClaim, "rewardEpoch", "one", E.RewardEpoch, "epoch", "epoch", "The epoch."),
  rel(E.DailyStat, "tokens", "list", E.DailyTokenStat, "day", "day", "Money moved that day, per token."),
];

/** Entities with an `energy: EnergyStats!` field computed from their units, energyWh and co2eMg. */
const WITH_ENERGY = new Set(["Job", "Provider", "Milestone", "DailyStat"]);

// ───────────────────────────── SDL ─────────────────────────────

const doc = (text: string | undefined, indent = "") =>
  text ? `${indent}"""${text.replaceAll('"""', "'''")}"""\n` : "";
const exposedName = (name: string, field: FieldSpec) => (field.expose === undefined ? name : field.expose);
const gqlType = (field: FieldSpec) => {
  const t = typeof field.type === "object" ? field.type.name : field.type === "AddressList" ? "[Address!]" : field.type;
  return field.nullable ? t : `${t}!`;
};
const filterType = (field: FieldSpec) =>
  typeof field.type === "object" ? `${field.type.name}Filter` : `${field.type}Filter`;
const orderable = (spec: EntitySpec) =>
  Object.entries(spec.fields).filter(([name, f]) => f.order || spec.key.includes(name));

function filterInput(name: string, type: string, ops: "range" | "set" | "bool"): string {
  const lines = [
    `  "Equal; \`eq: null\` matches null."\n  eq: ${type}`,
    `  "Not equal; rows where the field is null match too."\n  not: ${type}`,
  ];
  if (ops === "range") lines.push(`  gt: ${type}`, `  gte: ${type}`, `  lt: ${type}`, `  lte: ${type}`);
  if (ops !== "bool")
    lines.push(`  in: [${type}!]`, `  "None of these; rows where the field is null match too."\n  notIn: [${type}!]`);
  lines.push(`  "True: only rows where the field is null; false: only rows where it is not."\n  isNull: Boolean`);
  return `input ${name} {\n${lines.join("\n")}\n}`;
}

function connectionArgs(spec: EntitySpec, defaultPageSize: number): string {
  return `where: ${spec.name}Where, orderBy: [${spec.name}Order!], first: Int = ${defaultPageSize}, after: String`;
}

function entitySdl(
  spec: EntitySpec,
  defaultPageSize: number,
  relations: readonly Relation[],
  withLists: boolean,
): string {
  const fields: Array<{ name: string; sdl: string }> = [];
  for (const [name, field] of Object.entries(spec.fields)) {
    const exposed = exposedName(name, field);
    if (exposed === false) continue;
    fields.push({
      name: exposed,
      sdl: doc(field.description, "  ") + `  ${exposed}: ${gqlType(field)}`,
    });
  }
  for (const r of relations.filter((x) => x.parent === spec)) {
    const type =
      r.kind === "one" ? r.child.name : r.kind === "list" ? `[${r.child.name}!]!` : `${r.child.name}Connection!`;
    const args = r.kind === "connection" ? `(${connectionArgs(r.child, defaultPageSize)})` : "";
    fields.push({
      name: r.name,
      sdl: doc(r.description, "  ") + `  ${r.name}${args}: ${type}`,
    });
  }
  if (WITH_ENERGY.has(spec.name)) {
    fields.push({
      name: "energy",
      sdl: `  "GPU-hours, kWh, gCO2e and efficiency of the verified work."\n  energy: EnergyStats!`,
    });
  }
  const names = fields.map((x) => x.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`schema: ${spec.name}.${dup} is defined twice`);
  const lines = fields.map((x) => x.sdl);

  const out = [doc(spec.description) + `type ${spec.name} {\n${lines.join("\n")}\n}`];
  if (!withLists) return out.join("\n\n");

  const whereLines = Object.entries(spec.fields)
    .filter(([, f]) => f.filter !== false && f.type !== "AddressList")
    .map(([name, f]) => `  ${name}: ${filterType(f)}`);
  whereLines.push(`  AND: [${spec.name}Where!]`, `  OR: [${spec.name}Where!]`, `  NOT: ${spec.name}Where`);
  out.push(
    `"Filter on ${spec.plural}: every field given must match (AND); combine with AND/OR/NOT."\ninput ${spec.name}Where {\n${whereLines.join("\n")}\n}`,
  );
  out.push(
    `enum ${spec.name}OrderField {\n${orderable(spec)
      .map(([n]) => `  ${n}`)
      .join("\n")}\n}`,
  );
  out.push(`input ${spec.name}Order {\n  field: ${spec.name}OrderField!\n  direction: OrderDirection = ASC\n}`);
  out.push(
    `type ${spec.name}Connection {\n  edges: [${spec.name}Edge!]!\n  nodes: [${spec.name}!]!\n  pageInfo: PageInfo!\n` +
      `  "Rows matching \`where\`, over all pages."\n  totalCount: Int!\n}`,
  );
  out.push(`type ${spec.name}Edge {\n  cursor: String!\n  node: ${spec.name}!\n}`);
  return out.join("\n\n");
}

const keyArgs = (spec: EntitySpec) =>
  spec.key.map((k) => `${k}: ${gqlType({ ...spec.fields[k]!, nullable: false })}`).join(", ");

const STATIC_SDL = `
"An integer of any size (uint256 included) as a decimal string."
scalar BigInt
"An integer a JSON number holds exactly: block numbers, unix timestamps (seconds), uint32/uint40 values."
scalar Long
"A 20-byte address; returned EIP-55 checksummed, accepted in any case."
scalar Address
"32 bytes as 0x + 64 hex digits."
scalar Bytes32
"A UTC day, YYYY-MM-DD."
scalar Date

enum OrderDirection {
  "Ascending, nulls last."
  ASC
  "Descending, nulls first."
  DESC
}

type PageInfo {
  hasNextPage: Boolean!
  "True when the page was asked for with \`after\`."
  hasPreviousPage: Boolean!
  startCursor: String
  "Pass as \`after\` to get the next page."
  endCursor: String
}

"""
Energy and emissions of verified work. Units are GPU-seconds; gCO2e uses each provider's declared
grid carbon intensity at settlement.
"""
type EnergyStats {
  "Verified work, GPU-seconds."
  units: BigInt!
  gpuHours: Float!
  energyWh: BigInt!
  kWh: Float!
  "Estimated emissions, milligrams CO2e (exact)."
  co2eMg: BigInt!
  "Estimated emissions, grams CO2e."
  gCO2e: Float!
  "Work per energy: GPU-seconds per kWh (null without energy)."
  unitsPerKWh: Float
  gpuHoursPerKWh: Float
  gCO2ePerGpuHour: Float
  "Average carbon intensity of the energy used, gCO2e/kWh."
  carbonIntensity: Float
}

"Indexing progress."
type _Meta {
  chainId: Int
  "Last block whose events are all indexed; null before the first batch."
  block: _Block
  "Highest block treated as final by the indexer."
  safeBlock: Long
  "Chain head the indexer last saw."
  headBlock: Long
  "headBlock − block.number."
  lagBlocks: Long
  "Indexed within maxLagBlocks of the head, and the head seen recently."
  isSynced: Boolean!
  maxLagBlocks: Int!
  "When the indexer last wrote its checkpoint, unix seconds."
  updatedAt: Long
  "When the indexer last saw the chain head, unix seconds."
  headUpdatedAt: Long
}

type _Block {
  number: Long!
  hash: Bytes32!
  timestamp: Long
}

type JobCounts {
  total: Int!
  open: Int!
  assigned: Int!
  completed: Int!
  cancelled: Int!
  expired: Int!
  failed: Int!
}

type ProviderCounts {
  total: Int!
  registered: Int!
  "Providers with at least one accepted milestone."
  withVerifiedWork: Int!
}

type RewardTotals {
  epochs: Int!
  units: BigInt!
  "Emission of the epochs seen so far (null-schedule epochs count 0)."
  emission: BigInt!
  minted: BigInt!
}

"Network totals, all time."
type NetworkStats {
  jobs: JobCounts!
  providers: ProviderCounts!
  energy: EnergyStats!
  "JOULE staked by all providers, including locked and unbonding."
  stake: BigInt!
  locked: BigInt!
  slashed: BigInt!
  rewardsClaimed: BigInt!
  rewards: RewardTotals!
  "Payment tokens with their volume (at most 1000)."
  tokens: [Token!]!
}

enum LeaderboardMetric {
  "Net earnings in one payment token (\`token\` required)."
  EARNINGS
  "Verified GPU-seconds."
  UNITS
  COMPLETED_JOBS
  "GPU-seconds per kWh, among providers with at least \`minEnergyWh\` of verified energy."
  ENERGY_EFFICIENCY
}

type LeaderboardEntry {
  rank: Int!
  provider: Provider!
  value: Float!
  "The exact value for integer metrics."
  exactValue: BigInt
}
`;

export function buildTypeDefs(limits: Pick<LimitOptions, "defaultPageSize">): string {
  const parts: string[] = [STATIC_SDL.trim()];
  for (const e of Object.values(enums)) {
    parts.push(
      doc(e.description) +
        `enum ${e.name} {\n${Object.keys(e.values)
          .map((v) => `  ${v}`)
          .join("\n")}\n}`,
    );
    parts.push(filterInput(`${e.name}Filter`, e.name, "set"));
  }
  for (const t of ["BigInt", "Long", "Int", "Date"]) parts.push(filterInput(`${t}Filter`, t, "range"));
  for (const t of ["Address", "Bytes32", "String", "ID"]) parts.push(filterInput(`${t}Filter`, t, "set"));
  parts.push(filterInput("BooleanFilter", "Boolean", "bool"));

  for (const spec of ENTITIES) parts.push(entitySdl(spec, limits.defaultPageSize, RELATIONS, true));
  parts.push(entitySdl(Protocol, limits.defaultPageSize, RELATIONS, false));

  const queries: string[] = [];
  for (const spec of ENTITIES) {
    queries.push(
      `  "${spec.description ?? spec.name}"\n  ${spec.plural}(${connectionArgs(spec, limits.defaultPageSize)}): ${spec.name}Connection!`,
    );
    queries.push(`  ${singular(spec)}(${keyArgs(spec)}): ${spec.name}`);
  }
  queries.push(`  "Current protocol parameters; null before the contracts are indexed."\n  protocol: Protocol`);
  queries.push(`  "Indexing progress: last indexed block, chain head, lag."\n  _meta: _Meta!`);
  queries.push(`  networkStats: NetworkStats!`);
  queries.push(
    `  "Top providers by a metric, ties broken by address."\n  leaderboard(metric: LeaderboardMetric!, token: Address, first: Int = 10, minEnergyWh: BigInt = "1000"): [LeaderboardEntry!]!`,
  );
  parts.push(`type Query {\n${queries.join("\n")}\n}`);

  parts.push(`"""
Live updates over Server-Sent Events (send \`Accept: text/event-stream\`). Driven by the indexer's
PostgreSQL notifications after each committed batch, so every API process serves them.
"""
type Subscription {
  "The job as it is now, then again each time it changes (status, payments, milestones…)."
  jobUpdated(id: BigInt!): Job!
  "Each job created from now on."
  jobCreated: Job!
  "Each credit to this account's market balance from now on; by default only provider payments."
  providerPayouts(provider: Address!, kinds: [PayoutKind!] = [PROVIDER_PAYMENT]): Payout!
}`);
  return parts.join("\n\n") + "\n";
}

// ───────────────────────────── Resolvers ─────────────────────────────

interface ConnectionArgs {
  where?: Where | null;
  orderBy?: OrderTerm[] | null;
  first?: number | null;
  after?: string | null;
}

interface Connection {
  page: Page;
  hasPreviousPage: boolean;
  count: () => Promise<number>;
}

function pageSize(ctx: ApiContext, first: number | null | undefined): number {
  const n = first ?? ctx.limits.defaultPageSize;
  if (!Number.isInteger(n) || n < 0) throw badInput(`first must be between 0 and ${ctx.limits.maxPageSize}, got ${n}`);
  if (n > ctx.limits.maxPageSize) {
    throw apiError(
      ErrorCode.PAGE_SIZE_TOO_LARGE,
      `first = ${n} is above the page-size limit of ${ctx.limits.maxPageSize}`,
      { first: n, maxPageSize: ctx.limits.maxPageSize },
    );
  }
  return n;
}

/** The compiler's list arguments, with `first` checked against the page-size limit. */
function listArgs(ctx: ApiContext, args: ConnectionArgs) {
  return {
    where: args.where ?? null,
    orderBy: args.orderBy ?? null,
    first: pageSize(ctx, args.first),
    after: args.after ?? null,
  };
}

/** What each GraphQL field of an entity type reads from its row: its column, a relation's key, energy's inputs. */
function fieldSources(spec: EntitySpec): FieldSources {
  const map = new Map<string, readonly string[]>();
  for (const [name, field] of Object.entries(spec.fields)) {
    const exposed = exposedName(name, field);
    if (exposed !== false) map.set(exposed, [name]);
  }
  for (const r of RELATIONS) if (r.parent === spec) map.set(r.name, [r.from]);
  if (WITH_ENERGY.has(spec.name))
    map.set(
      "energy",
      ["units", "energyWh", "co2eMg"].filter((f) => f in spec.fields),
    );
  return map;
}

const SOURCES = new Map<EntitySpec, FieldSources>();

/** The fields of `spec` that the rows resolved at `info` need (projection.ts); undefined: all. */
function columnsFor(spec: EntitySpec, info: GraphQLResolveInfo, shape: "connection" | "rows") {
  let sources = SOURCES.get(spec);
  if (!sources) SOURCES.set(spec, (sources = fieldSources(spec)));
  return selectedColumns(spec, sources, info, shape);
}

function rootConnection(spec: EntitySpec) {
  return async (_: unknown, args: ConnectionArgs, ctx: ApiContext, info: GraphQLResolveInfo): Promise<Connection> => {
    const list = { ...listArgs(ctx, args), fields: columnsFor(spec, info, "connection") };
    const page = await findPage(ctx.db, spec, list, undefined, ctx.compileLimits);
    let count: Promise<number> | undefined;
    return {
      page,
      hasPreviousPage: list.after !== null,
      count: () =>
        (count ??= ctx.cached(`count:${spec.name}:${argsKey(list.where)}`, () =>
          countRows(ctx.db, spec, list.where, undefined, ctx.compileLimits),
        )),
    };
  };
}

function connectionResolvers() {
  return {
    edges: (c: Connection) => c.page.rows.map((node, i) => ({ node, cursor: c.page.cursors[i] })),
    nodes: (c: Connection) => c.page.rows,
    pageInfo: (c: Connection) => ({
      hasNextPage: c.page.hasNextPage,
      hasPreviousPage: c.hasPreviousPage,
      startCursor: c.page.cursors[0] ?? null,
      endCursor: c.page.cursors[c.page.cursors.length - 1] ?? null,
    }),
    totalCount: (c: Connection) => c.count(),
  };
}

function relationResolver(r: Relation) {
  const toIsKey = r.child.key.length === 1 && r.child.key[0] === r.to;
  switch (r.kind) {
    case "one":
      return (row: Row, _: unknown, ctx: ApiContext, info: GraphQLResolveInfo) => {
        const value = row[r.from];
        if (value == null) return null;
        const fields = columnsFor(r.child, info, "rows");
        return toIsKey ? ctx.loaders.byKey(r.child, [value], fields) : ctx.loaders.one(r.child, r.to, value, fields);
      };
    case "list":
      return (row: Row, _: unknown, ctx: ApiContext, info: GraphQLResolveInfo) => {
        const value = row[r.from];
        return value == null ? [] : ctx.loaders.many(r.child, r.to, value, columnsFor(r.child, info, "rows"));
      };
    case "connection":
      return async (row: Row, args: ConnectionArgs, ctx: ApiContext, info: GraphQLResolveInfo): Promise<Connection> => {
        const value = row[r.from];
        const list = { ...listArgs(ctx, args), fields: columnsFor(r.child, info, "connection") };
        if (value == null)
          return {
            page: { rows: [], hasNextPage: false, cursors: [] },
            hasPreviousPage: false,
            count: async () => 0,
          };
        const page = await ctx.loaders.page(r.child, r.to, value, list);
        return {
          page,
          hasPreviousPage: list.after !== null,
          count: () => ctx.loaders.count(r.child, r.to, value, list.where),
        };
      };
  }
}

function entityResolvers(spec: EntitySpec) {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec.fields)) {
    const exposed = exposedName(name, field);
    if (exposed === false) continue;
    out[exposed] = (row: Row) => fromDbText(field, row[name] ?? null);
  }
  for (const r of RELATIONS.filter((x) => x.parent === spec)) out[r.name] = relationResolver(r);
  if (WITH_ENERGY.has(spec.name))
    out.energy = (row: Row) => energyStats(row.units ?? null, row.energyWh ?? null, row.co2eMg ?? null);
  return out;
}

function singleResolver(spec: EntitySpec) {
  return (_: unknown, args: Record<string, unknown>, ctx: ApiContext, info: GraphQLResolveInfo) =>
    ctx.loaders.byKey(
      spec,
      spec.key.map((k) => toDbText(spec, k, args[k])),
      columnsFor(spec, info, "rows"),
    );
}

function memo<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

/** Resolves one subscription event with an empty DataLoader cache (see Loaders.clearAll). */
function freshEvent(row: Row, _: unknown, ctx: ApiContext): Row {
  ctx.loaders.clearAll();
  return row;
}

export function buildResolvers() {
  const Query: Record<string, unknown> = {};
  const resolvers: Record<string, unknown> = {
    BigInt: BigIntScalar,
    Long: LongScalar,
    Address: AddressScalar,
    Bytes32: Bytes32Scalar,
    Date: DateScalar,
  };
  for (const spec of ENTITIES) {
    Query[spec.plural] = rootConnection(spec);
    Query[singular(spec)] = singleResolver(spec);
    resolvers[spec.name] = entityResolvers(spec);
    resolvers[`${spec.name}Connection`] = connectionResolvers();
  }
  resolvers.Protocol = entityResolvers(Protocol);
  Query.protocol = (_: unknown, __: unknown, ctx: ApiContext) => ctx.loaders.byKey(Protocol, ["1"]);

  Query._meta = async (_: unknown, __: unknown, ctx: ApiContext) => {
    const m = await ctx.meta();
    return {
      chainId: m.chainId,
      block: m.block && {
        number: m.block.number.toString(),
        hash: m.block.hash,
        timestamp: m.block.timestamp,
      },
      safeBlock: m.safeBlock?.toString() ?? null,
      headBlock: m.headBlock?.toString() ?? null,
      lagBlocks: m.lagBlocks?.toString() ?? null,
      isSynced: m.isSynced,
      maxLagBlocks: ctx.maxLagBlocks,
      updatedAt: m.updatedAt,
      headUpdatedAt: m.headUpdatedAt,
    };
  };

  Query.networkStats = (_: unknown, __: unknown, ctx: ApiContext) => ({
    jobs: memo(() => ctx.cached("jobCounts", () => jobCounts(ctx.db))),
    totals: memo(() => ctx.cached("providerTotals", () => providerTotals(ctx.db))),
    rewards: memo(() => ctx.cached("rewardTotals", () => rewardTotals(ctx.db))),
    tokens: memo(async () => (await findPage(ctx.db, E.Token, { first: 1000 })).rows),
  });
  type Stats = {
    jobs: () => Promise<unknown>;
    totals: () => ReturnType<typeof providerTotals>;
    rewards: () => Promise<unknown>;
    tokens: () => Promise<Row[]>;
  };
  resolvers.NetworkStats = {
    jobs: (s: Stats) => s.jobs(),
    providers: async (s: Stats) => {
      const t = await s.totals();
      return {
        total: t.total,
        registered: t.registered,
        withVerifiedWork: t.withVerifiedWork,
      };
    },
    energy: async (s: Stats) => (await s.totals()).energy,
    stake: async (s: Stats) => (await s.totals()).stake,
    locked: async (s: Stats) => (await s.totals()).locked,
    slashed: async (s: Stats) => (await s.totals()).slashed,
    rewardsClaimed: async (s: Stats) => (await s.totals()).rewardsClaimed,
    rewards: (s: Stats) => s.rewards(),
    tokens: (s: Stats) => s.tokens(),
  };

  Query.leaderboard = async (
    _: unknown,
    args: {
      metric: LeaderboardMetric;
      token?: string | null;
      first?: number | null;
      minEnergyWh?: string | null;
    },
    ctx: ApiContext,
  ) => {
    const rows = await leaderboard(ctx.db, {
      metric: args.metric,
      first: pageSize(ctx, args.first),
      token: args.token ?? null,
      minEnergyWh: args.minEnergyWh ?? null,
    });
    return rows;
  };
  resolvers.LeaderboardEntry = {
    provider: (entry: { address: string }, _: unknown, ctx: ApiContext) => ctx.loaders.byKey(Provider, [entry.address]),
  };

  resolvers.Query = Query;
  resolvers.Subscription = {
    jobUpdated: {
      subscribe: (_: unknown, args: { id: string }, ctx: ApiContext) => ctx.live.jobUpdates(args.id),
      resolve: freshEvent,
    },
    jobCreated: {
      subscribe: (_: unknown, __: unknown, ctx: ApiContext) => ctx.live.newJobs(),
      resolve: freshEvent,
    },
    providerPayouts: {
      subscribe: (_: unknown, args: { provider: string; kinds?: string[] | null }, ctx: ApiContext) =>
        ctx.live.payouts(args.provider, args.kinds?.map((k) => toDbText(Payout, "kind", k)) ?? null),
      resolve: freshEvent,
    },
  };
  return resolvers;
}

export function buildSchema(limits: Pick<LimitOptions, "defaultPageSize">): GraphQLSchema {
  return createSchema<ApiContext>({
    typeDefs: buildTypeDefs(limits),
    resolvers: buildResolvers() as never,
  });
}
