// Protocol activity that emits every event the indexer handles: all job outcomes, on-chain and signed bids,
// slashes, withdrawals and claims, reward epochs, governance changes, verifier discovery and stake moves.
import type { Address } from "viem";
import type { TestChain } from "./chain.ts";
import { CONFIG, DAY, E18, jobMarketAbi, providerRegistryAbi, rewardEmitterAbi, type Protocol } from "./protocol.ts";

/** Part 1: every job outcome. */
export async function jobsScenario(p: Protocol, chain: TestChain): Promise<void> {
  const { provider, provider2, tenant, sponsor } = p.actors;

  // A: two on-chain bids (the second outbids the first), awarded, two milestones, completed with unused units.
  const a = await p.createJob({ milestones: 2 });
  await p.placeBid(provider, a.jobId, a.params, 900n);
  await p.placeBid(provider2, a.jobId, a.params, 800n);
  // B: paid by a sponsor, signed bid accepted, proof rejected → failed, provider slashed, sponsor compensated.
  const b = await p.createJob({}, sponsor);
  await p.acceptSignedBid(b.jobId, b.params, provider, 700n, 1n);
  await p.submitProof(provider, b.jobId, b.params, 0, 500n, 900n);
  await p.settle(b.jobId, b.params, 0, 500n, 900n, false);
  // C: cancelled by the tenant.
  const c = await p.createJob();
  await p.cancel(c.jobId, c.params);
  // D: no bids → expired. E: awarded, delivery missed → failed. F: proof never judged → verification timeout.
  const d = await p.createJob();
  const e = await p.createJob({ deliveryWindow: 600 });
  await p.placeBid(provider2, e.jobId, e.params, 1_000n);
  const f = await p.createJob();
  await p.placeBid(provider2, f.jobId, f.params, 950n);
  // G: signed bid by provider2 (who also bid on-chain for nothing), completed in one milestone.
  const g = await p.createJob();
  await p.placeBid(provider, g.jobId, g.params, 990n);
  await p.acceptSignedBid(g.jobId, g.params, provider2, 600n, 7n);

  await chain.increaseTime(3_601);
  await p.award(a.jobId, a.params);
  await p.expire(d.jobId, d.params);
  await p.award(e.jobId, e.params);
  await p.award(f.jobId, f.params);
  await p.proveAndSettle(provider2, a.jobId, a.params, 0, 1_000n, 2_000n);
  await p.proveAndSettle(provider2, a.jobId, a.params, 1, 1_500n, 2_500n);
  await p.proveAndSettle(provider2, g.jobId, g.params, 0, 3_600n, 7_200n);
  await p.submitProof(provider2, f.jobId, f.params, 0, 100n, 50n);
  await chain.increaseTime(601);
  await p.expire(e.jobId, e.params);
  await chain.increaseTime(DAY + 1);
  await p.expire(f.jobId, f.params);

  // Balances: partial withdrawal, claim of everything, JOULE compensation withdrawn by the sponsor.
  await p.withdraw(provider2, p.addresses.usd, 1_000n);
  await p.claim(tenant, [p.addresses.usd], []);
  await p.withdraw(sponsor, p.addresses.joule, (CONFIG.collateral * 8_000n) / 10_000n / 2n, tenant);
  await p.send(provider, p.addresses.market, jobMarketAbi, "invalidateNonces", [0n, 0b1010n]);
}

/** Part 2: rewards, governance and stake moves (run while the indexer follows the head). */
export async function governanceScenario(p: Protocol, chain: TestChain): Promise<void> {
  const { provider, provider2, owner, keeper, treasury } = p.actors;
  // Rewards of the epoch provider2 worked in (epoch 0 or 1 depending on time), claimed both ways.
  await chain.increaseTime(2 * DAY);
  const epochs = await workedEpochs(p, provider2);
  await p.claim(provider2, [p.addresses.usd], epochs.slice(0, 1));
  if (epochs.length > 1) await p.claimRewards(provider2, epochs.slice(1));

  await p.governance("setProtocolFee", [300]);
  await p.governance("setVerificationWindow", [2 * DAY]);
  await p.governance("setSlashPayerShareBps", [9_000]);
  await p.governance("pause", []);
  await p.governance("unpause", []);
  await p.governance("setUnbondingDelay", [3 * DAY], p.addresses.registry, providerRegistryAbi);
  await p.governance("transferOwnership", [treasury]);
  // A second payment token and a new verifier set, found through VerifierAllowed.
  const usdc = await p.deploy("test/MockERC20.sol/MockERC20.json", ["USD Coin", "USDC", 6]);
  await p.governance("setAllowedToken", [usdc, true]);
  const members = p.verifierAccounts.map((v) => v.address.toLowerCase() as Address);
  const v2 = await p.deployVerifier(members, 3n);
  await p.governance("setAllowedVerifier", [v2, true]);
  await p.governance("setAllowedVerifier", [p.addresses.verifier, false]);

  // Provider changes its carbon intensity, then completes a job judged by the new verifier (3 signatures).
  await p.send(provider, p.addresses.registry, providerRegistryAbi, "updateProfile", [
    {
      gpuClass: 4,
      gpuCount: 16,
      vramGb: 96,
      carbonIntensity: 120,
      region: "0x75732d6561737400000000000000000000000000000000000000000000000000",
      metadataURI: "ipfs://provider-v2",
    },
  ]);
  const h = await p.createJob({ verifier: v2, maxUnits: 100n, maxPricePerUnit: 10n ** 6n, collateral: 0n });
  await p.acceptSignedBid(h.jobId, h.params, provider, 10n ** 6n, 2n);
  await p.submitProof(provider, h.jobId, h.params, 0, 100n, 333n);
  await p.settle(h.jobId, h.params, 0, 100n, 333n, true, 3);

  // Unbonding: request, wait, withdraw.
  await p.send(provider2, p.addresses.registry, providerRegistryAbi, "requestUnbond", [500n * E18]);
  await chain.increaseTime(7 * DAY + 1);
  await p.send(provider2, p.addresses.registry, providerRegistryAbi, "withdrawUnbonded", [provider2]);
  await p.send(provider, p.addresses.registry, providerRegistryAbi, "requestUnbond", [100n * E18]);
  void owner;
}

/** Ended epochs in which `who` has unclaimed work, read from the chain. */
export async function workedEpochs(p: Protocol, who: Address): Promise<number[]> {
  const current = Number(await p.read<number>(p.addresses.emitter, rewardEmitterAbi, "currentEpoch"));
  const out: number[] = [];
  for (let e = 0; e < current; e++) {
    const units = await p.read<bigint>(p.addresses.emitter, rewardEmitterAbi, "providerUnits", [who, e]);
    const claimed = await p.read<boolean>(p.addresses.emitter, rewardEmitterAbi, "isClaimed", [who, e]);
    if (units > 0n && !claimed) out.push(e);
  }
  return out;
}
