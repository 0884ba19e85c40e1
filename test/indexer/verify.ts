// Compares what the indexer wrote with the chain's own view (contract getters and the logs themselves).
import assert from "node:assert/strict";
import { encodeAbiParameters, keccak256, type Abi, type Address, type Hex } from "viem";
import pg from "pg";
import { createTestDatabase } from "../../indexer/db/testdb.ts";
import { TOPIC0S } from "../../indexer/sync/decode.ts";
import {
  jobMarketAbi,
  NO_ASSIGNMENT,
  providerRegistryAbi,
  quorumVerifierAbi,
  rewardEmitterAbi,
  type Protocol,
} from "./protocol.ts";

const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (v: string) => BigInt(v);
    if (oid === 1184 || oid === 1082) return (v: string) => v;
    return pg.types.getTypeParser(oid, format as never);
  },
};

export async function sql<T = Record<string, any>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url, types });
  await c.connect();
  try {
    await c.query("SET TIME ZONE 'UTC'");
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

const TABLES = [
  "raw_events",
  "protocol",
  "parameter_changes",
  "tokens",
  "verifier_sets",
  "jobs",
  "bids",
  "milestones",
  "settlements",
  "payouts",
  "refunds",
  "balances",
  "withdrawals",
  "providers",
  "provider_earnings",
  "stake_changes",
  "slashes",
  "reward_epochs",
  "provider_epochs",
  "reward_claims",
  "daily_stats",
  "daily_token_stats",
];

/** Every derived table as text, ordered by primary key: two runs over the same chain must be identical. */
export async function dump(url: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of TABLES) {
    const rows = await sql<{ j: string }>(
      url,
      `SELECT (to_jsonb(x) - 'updatedAt')::text AS j FROM "${t}" x ORDER BY 1`,
    );
    out[t] = rows.map((r) => r.j);
  }
  // And the indexes: a first backfill drops the secondary ones, and its last batch must have built them all again.
  out["(indexes)"] = (
    await sql<{ d: string }>(url, `SELECT indexdef AS d FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`)
  ).map((r) => r.d);
  out["(deferred_indexes)"] = (await sql<{ name: string }>(url, `SELECT name FROM deferred_indexes`)).map(
    (r) => r.name,
  );
  return out;
}

export async function checkpoint(url: string): Promise<{ blockNumber: bigint; blockHash: string } | undefined> {
  return (
    await sql<{ blockNumber: bigint; blockHash: string }>(url, `SELECT "blockNumber", "blockHash" FROM checkpoints`)
  )[0];
}

async function indexNames(url: string): Promise<string[]> {
  return (
    await sql<{ n: string }>(
      url,
      `SELECT indexname AS n FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`,
    )
  ).map((r) => r.n);
}

let migrated: Promise<string[]> | undefined;
/** Index names of a freshly migrated database (made once per process). */
function migratedIndexNames(): Promise<string[]> {
  migrated ??= (async () => {
    const db = await createTestDatabase({ prefix: "joule_verify_schema" });
    try {
      return await indexNames(db.url);
    } finally {
      await db.drop();
    }
  })();
  return migrated;
}

const STATUS = ["NONE", "OPEN", "ASSIGNED", "COMPLETED", "CANCELLED", "EXPIRED", "FAILED"];

/** Asserts the database agrees with the chain at the indexer's checkpoint (which must be the chain head). */
export async function assertMatchesChain(url: string, p: Protocol): Promise<void> {
  const { market, registry, emitter } = p.addresses;
  const read = <T>(address: Address, abi: unknown, fn: string, args: unknown[] = []) =>
    p.read<T>(address, abi as Abi, fn, args);

  // Raw events: exactly the chain's logs of the indexed contracts (ERC-20 Transfer/Approval excluded).
  const verifiers = (await sql<{ address: string }>(url, `SELECT address FROM verifier_sets`)).map((r) => r.address);
  const addresses = [market, registry, emitter, p.addresses.joule, ...verifiers];
  const logs = (await p.pub.request({
    method: "eth_getLogs",
    params: [
      { address: addresses as Address[], topics: [TOPIC0S as `0x${string}`[]], fromBlock: "0x0", toBlock: "latest" },
    ],
  } as never)) as { transactionHash: string; logIndex: string }[];
  const raw = await sql<{ k: string }>(url, `SELECT "txHash" || ':' || "logIndex" AS k FROM raw_events ORDER BY 1`);
  assert.deepEqual(
    raw.map((r) => r.k),
    logs.map((l) => `${l.transactionHash}:${BigInt(l.logIndex)}`).sort(),
  );

  // Caught up, so no index is deferred (indexes.ts) and every one the migrations create exists.
  assert.deepEqual(await sql(url, `SELECT name FROM deferred_indexes`), [], "deferred indexes left");
  assert.deepEqual(await indexNames(url), await migratedIndexNames(), "indexes");

  // Jobs: status, best bid / progress, escrow and conservation.
  const params0 = await read<{
    feeBps: number;
    verificationWindow: number;
    slashPayerShareBps: number;
    paused: boolean;
    jobCount: bigint;
    treasury: string;
  }>(market, jobMarketAbi, "parameters");
  const jobCount = BigInt(params0.jobCount);
  const jobs = await sql(url, `SELECT * FROM jobs ORDER BY id`);
  assert.equal(BigInt(jobs.length), jobCount);
  // The price levels the API's totalCount sums are the jobs' own after every write path (COPY, upsert, reorg undo).
  const key = `status::text || ':' || "maxPricePerUnit"`;
  assert.deepEqual(
    (await sql(url, `SELECT ${key} || '=' || jobs AS k FROM job_price_levels WHERE jobs <> 0 ORDER BY 1`)).map(
      (r) => r.k,
    ),
    (
      await sql(url, `SELECT ${key} || '=' || count(*) AS k FROM jobs GROUP BY status, "maxPricePerUnit" ORDER BY 1`)
    ).map((r) => r.k),
    "job_price_levels",
  );
  for (const j of jobs) {
    const id = j.id as bigint;
    assert.equal(
      j.status,
      STATUS[Number(await read<number>(market, jobMarketAbi, "jobStatus", [id]))],
      `job ${id} status`,
    );
    assert.equal(j.funded, j.paid + j.fees + j.refunded + j.escrow, `job ${id} conservation`);
    if (j.status === "OPEN") {
      const [bidder, price] = await read<[string, bigint]>(market, jobMarketAbi, "bestBid", [id]);
      assert.equal(j.bestBidProvider ?? "0x0000000000000000000000000000000000000000", bidder.toLowerCase());
      assert.equal(j.bestBidPrice ?? 0n, price);
    }
    if (j.provider !== null) {
      const [settled, deliveryDeadline, verifyDeadline, unitsSettled] = await read<[number, number, number, bigint]>(
        market,
        jobMarketAbi,
        "jobProgress",
        [id],
      );
      assert.equal(j.milestonesSettled, Number(settled), `job ${id} milestones`);
      assert.equal(j.deliveryDeadline, BigInt(deliveryDeadline), `job ${id} delivery deadline`);
      if (j.status === "ASSIGNED") assert.equal(j.verifyDeadline ?? 0n, BigInt(verifyDeadline));
      assert.equal(j.units, unitsSettled);
    }
    const params = {
      tenant: j.tenant,
      payer: j.payer,
      feeBps: j.feeBps,
      slashPayerShareBps: j.slashPayerShareBps,
      verificationWindow: Number(j.verificationWindow),
      request: {
        token: j.token,
        verifier: j.verifier,
        specHash: j.specHash,
        maxUnits: j.maxUnits,
        maxPricePerUnit: j.maxPricePerUnit,
        collateral: j.collateral,
        biddingEnd: Number(j.biddingEnd),
        deliveryWindow: Number(j.deliveryWindow),
        milestones: j.milestones,
        requirements: {
          minGpuClass: j.minGpuClass,
          minGpuCount: j.minGpuCount,
          minVramGb: Number(j.minVramGb),
          maxCarbonIntensity: Number(j.maxCarbonIntensity),
        },
      },
    };
    // The market keeps only a commitment to the params (and, once assigned, to the winner and price): matching it
    // proves every JobParams field and the assignment were indexed exactly.
    const PARAMS = [
      {
        type: "tuple",
        components: (jobMarketAbi.find((x: any) => x.name === "JobCreated") as any).inputs[3].components,
      },
    ] as const;
    const paramsHash = keccak256(encodeAbiParameters(PARAMS as any, [params]));
    const assignment = j.provider === null ? NO_ASSIGNMENT : { provider: j.provider, pricePerUnit: j.pricePerUnit };
    const commitment =
      j.provider === null
        ? paramsHash
        : keccak256(
            encodeAbiParameters(
              [{ type: "bytes32" }, { type: "address" }, { type: "uint256" }],
              [paramsHash, j.provider as Hex, j.pricePerUnit],
            ),
          );
    assert.equal(await read<Hex>(market, jobMarketAbi, "commitment", [id]), commitment, `job ${id} commitment`);
    assert.equal(
      await read<bigint>(market, jobMarketAbi, "heldInEscrow", [id, params, assignment]),
      j.escrow,
      `job ${id} escrow`,
    );
  }

  // Balances: every (account, token) the indexer knows, plus the actors' balances in both tokens.
  const balances = await sql(url, `SELECT * FROM balances`);
  const seen = new Set(balances.map((b) => `${b.account}|${b.token}`));
  for (const b of balances) {
    assert.equal(
      await read<bigint>(market, jobMarketAbi, "balanceOf", [b.account, b.token]),
      b.balance,
      `balance ${b.account} ${b.token}`,
    );
    assert.equal(b.credited - b.withdrawn, b.balance);
  }
  for (const who of Object.values(p.actors)) {
    for (const token of [p.addresses.usd, p.addresses.joule]) {
      if (!seen.has(`${who}|${token}`))
        assert.equal(await read<bigint>(market, jobMarketAbi, "balanceOf", [who, token]), 0n);
    }
  }
  // Solvency seen from the index: escrow of open jobs + balances = the market's token holdings.
  for (const token of [p.addresses.usd]) {
    const [e] = await sql(url, `SELECT COALESCE(sum(escrow), 0)::numeric AS escrow FROM jobs WHERE token = $1`, [
      token,
    ]);
    const [b] = await sql(url, `SELECT COALESCE(sum(balance), 0)::numeric AS total FROM balances WHERE token = $1`, [
      token,
    ]);
    assert.equal(e!.escrow + b!.total, await read<bigint>(token, p.erc20, "balanceOf", [market]));
  }

  // Providers: stake accounting and hardware.
  for (const pr of await sql(url, `SELECT * FROM providers`)) {
    const [stake, locked, unbonding, unlockAt] = await read<[bigint, bigint, bigint, number]>(
      registry,
      providerRegistryAbi,
      "stakeOf",
      [pr.address],
    );
    assert.equal(pr.stake, stake, `stake ${pr.address}`);
    assert.equal(pr.locked, locked, `locked ${pr.address}`);
    assert.equal(pr.unbonding, unbonding);
    assert.equal(pr.unlockAt ?? 0n, BigInt(unlockAt));
    const [gpuClass, gpuCount, vramGb, carbon] = await read<[number, number, number, number]>(
      registry,
      providerRegistryAbi,
      "hardwareOf",
      [pr.address],
    );
    assert.deepEqual(
      [pr.gpuClass, pr.gpuCount, pr.vramGb, pr.carbonIntensity],
      [gpuClass, gpuCount, BigInt(vramGb), BigInt(carbon)],
    );
    assert.equal(pr.registered, await read<boolean>(registry, providerRegistryAbi, "isRegistered", [pr.address]));
  }

  // Reward epochs.
  for (const e of await sql(url, `SELECT * FROM reward_epochs`)) {
    assert.equal(e.units, await read<bigint>(emitter, rewardEmitterAbi, "epochUnits", [Number(e.epoch)]));
    assert.equal(e.minted, await read<bigint>(emitter, rewardEmitterAbi, "minted", [Number(e.epoch)]));
    assert.equal(e.emission, await read<bigint>(emitter, rewardEmitterAbi, "emissionOf", [Number(e.epoch)]));
  }
  for (const pe of await sql(url, `SELECT * FROM provider_epochs`)) {
    assert.equal(
      pe.units,
      await read<bigint>(emitter, rewardEmitterAbi, "providerUnits", [pe.provider, Number(pe.epoch)]),
    );
    assert.equal(
      pe.claimed,
      await read<boolean>(emitter, rewardEmitterAbi, "isClaimed", [pe.provider, Number(pe.epoch)]),
    );
  }

  // Governance state.
  const [proto] = await sql(url, `SELECT * FROM protocol`);
  assert.equal(proto!.protocolFeeBps, Number(params0.feeBps));
  assert.equal(proto!.verificationWindow, BigInt(params0.verificationWindow));
  assert.equal(proto!.slashPayerShareBps, Number(params0.slashPayerShareBps));
  assert.equal(proto!.treasury, params0.treasury.toLowerCase());
  assert.equal(proto!.paused, params0.paused);
  assert.equal(proto!.unbondingDelay, BigInt(await read<number>(registry, providerRegistryAbi, "unbondingDelay")));
  assert.equal(proto!.jobCount, jobCount);
  for (const t of await sql(url, `SELECT * FROM tokens WHERE allowed IS NOT NULL`)) {
    assert.equal(t.allowed, (await read<[boolean, boolean]>(market, jobMarketAbi, "allowlist", [t.address]))[0]);
  }
  for (const v of await sql(url, `SELECT * FROM verifier_sets`)) {
    assert.equal(v.allowed, (await read<[boolean, boolean]>(market, jobMarketAbi, "allowlist", [v.address]))[1]);
    const members = await read<string[]>(v.address, quorumVerifierAbi, "members");
    assert.deepEqual(
      v.members,
      members.map((m) => m.toLowerCase()),
      `verifier ${v.address} members`,
    );
    assert.equal(v.threshold, await read<bigint>(v.address, quorumVerifierAbi, "threshold"));
  }
}
