// The fixed scenario of `npm start -- --once`: seven jobs that between them take every path of the job
// lifecycle, at fixed offsets from the reward genesis so every run settles the same units in the same epochs.
//
//   A  alice   2 milestones, on-chain auction (4 bids, each outbidding the last), awarded, completed with unused units
//   B  bob     1 milestone, an on-chain bid and three signed bids; bob accepts the cheapest signed one; completed
//   C  carol   3 milestones paid by a sponsor, carbon cap 400 g/kWh (the coal rig is refused), 2nd proof rejected → slashed
//   D  alice   1 milestone, signed bid from the coal rig, which never delivers → expired, slashed (DeliveryMissed)
//   E  bob     needs an H100-class GPU, nobody bids → expired (NoBids)
//   F  carol   one on-chain bid, then cancelled by the tenant
//   G  bob     proven, but the verifiers never answer → expired (VerificationTimeout), collateral released
//
// Epoch 0 gets 3 × 3600 GPU-s (A, B, C first milestones), epoch 1 gets A's last 3000 GPU-s; rewards are claimed
// in epoch 2, and everyone withdraws.
import { ContractRevertError } from "@joule/sdk";
import { JOULE, type JobRecord, type Sim, SETTINGS } from "./sim.ts";

export async function runScenario(sim: Sim, log: (line: string) => void): Promise<void> {
  const { cast } = sim;
  const [h100, a100, home, rig] = cast.providers as [
    (typeof cast.providers)[0],
    (typeof cast.providers)[0],
    (typeof cast.providers)[0],
    (typeof cast.providers)[0],
  ];
  const alice = cast.byName("alice");
  const bob = cast.byName("bob");
  const carol = cast.byName("carol");
  const G = sim.genesis;
  const EPOCH = SETTINGS.epochLength;

  /** Moves to genesis + offset (or just past the latest block, if set-up ran longer than planned). */
  const at = async (offset: number, phase: string) => {
    const now = await sim.now();
    if (now < G + offset) await sim.warpTo(G + offset);
    else log(`note: ${phase} starts at genesis + ${now + 1 - G} s instead of + ${offset} s (set-up took longer)`);
    log(`— ${phase} (chain time genesis + ${(await sim.now()) - G} s, epoch ${sim.currentEpoch(await sim.now())})`);
  };

  // ── Phase 1: jobs posted, bids, signed bids accepted, a cancellation, the first proofs ──
  await at(300, "phase 1: jobs and bids");
  const A = await sim.postJob({
    label: "A llama-3-8b fine-tune",
    tenant: alice,
    milestones: 2,
    maxUnits: 7_200n,
    maxPricePerUnit: 1_000n,
    collateral: 1_000n * JOULE,
    biddingSeconds: 1_200,
    deliveryWindow: 4 * 3600,
    requirements: { minGpuClass: 3, minVramGb: 40 },
  });
  const B = await sim.postJob({
    label: "B sdxl batch inference",
    tenant: bob,
    milestones: 1,
    maxUnits: 3_600n,
    maxPricePerUnit: 2_000n,
    collateral: 500n * JOULE,
    biddingSeconds: 1_200,
    deliveryWindow: 2 * 3600,
    requirements: { minVramGb: 24 },
  });
  const C = await sim.postJob({
    label: "C protein-folding sweep",
    tenant: carol,
    sponsor: cast.sponsor,
    milestones: 3,
    maxUnits: 10_800n,
    maxPricePerUnit: 1_200n,
    collateral: 1_500n * JOULE,
    biddingSeconds: 1_200,
    deliveryWindow: 6 * 3600,
    requirements: { minGpuClass: 2, maxCarbonIntensity: 400 },
  });
  const D = await sim.postJob({
    label: "D whisper transcription",
    tenant: alice,
    milestones: 1,
    maxUnits: 1_800n,
    maxPricePerUnit: 900n,
    collateral: 800n * JOULE,
    biddingSeconds: 1_200,
    deliveryWindow: 3600,
    requirements: { minGpuClass: 2 },
  });
  const E = await sim.postJob({
    label: "E 70b eval on H100 only",
    tenant: bob,
    milestones: 1,
    maxUnits: 1_200n,
    maxPricePerUnit: 500n,
    collateral: 300n * JOULE,
    biddingSeconds: 1_200,
    deliveryWindow: 2 * 3600,
    requirements: { minGpuClass: 4 },
  });
  const F = await sim.postJob({
    label: "F embedding backfill",
    tenant: carol,
    milestones: 2,
    maxUnits: 2_400n,
    maxPricePerUnit: 1_000n,
    collateral: 400n * JOULE,
    biddingSeconds: 1_200,
    deliveryWindow: 2 * 3600,
  });
  const Gj = await sim.postJob({
    label: "G video upscaling",
    tenant: bob,
    milestones: 1,
    maxUnits: 2_400n,
    maxPricePerUnit: 1_500n,
    collateral: 600n * JOULE,
    biddingSeconds: 1_200,
    deliveryWindow: 3 * 3600,
    requirements: { minGpuClass: 4 },
  });

  // A: an on-chain reverse auction, each bid displacing the previous best bidder (whose collateral is released).
  await sim.bid(a100, A, 950n);
  await sim.bid(h100, A, 900n);
  await sim.bid(a100, A, 850n);
  await sim.bid(h100, A, 800n);
  // C: the coal-powered rig is above the job's carbon cap — the market refuses its bid.
  await expectRefusal(
    sim,
    log,
    "CarbonIntensityTooHigh",
    () => sim.bid(rig, C, 1_000n),
    `job ${C.id}: ${rig.name} bids above the carbon cap`,
  );
  await sim.bid(a100, C, 1_100n);
  // F: one bid, then the tenant cancels.
  await sim.bid(home, F, 950n);
  await sim.cancel(F);
  // B: an on-chain bid, then signed offers; bob accepts the cheapest signed one (the on-chain bidder is released).
  await sim.bid(rig, B, 1_800n);
  const offers = [
    await sim.offer(home, B, 1_500n, 1n),
    await sim.offer(rig, B, 1_700n, 1n),
    await sim.offer(h100, B, 1_900n, 1n),
  ];
  const cheapest = offers.reduce((best, o) => (o.bid.pricePerUnit < best.bid.pricePerUnit ? o : best));
  await sim.accept(B, cheapest);
  // D and G: one signed bid each.
  await sim.accept(D, await sim.offer(rig, D, 700n, 2n));
  await sim.accept(Gj, await sim.offer(h100, Gj, 1_200n, 2n));
  // B is delivered and verified at once; G is proven but its verifiers will never answer.
  await sim.prove(B, 3_600n, 450n);
  await sim.verify(B, true, [0, 1]);
  await sim.prove(Gj, 2_400n, 467n);

  // ── Phase 2: bidding over — awards, a job without bids expires, first milestones of A and C ──
  await at(1_800, "phase 2: awards");
  await sim.award(A);
  await sim.award(C);
  await sim.expire(E);
  await sim.prove(A, 3_600n, 700n);
  await sim.verify(A, true, [1, 2]);
  await sim.prove(C, 3_600n, 400n);
  await sim.verify(C, true, [0, 2]);

  // ── Phase 3 (epoch 1): A completes, C's proof is rejected, D missed its deadline, G's verification timed out ──
  await at(EPOCH + 900, "phase 3: completion, rejection, deadlines");
  await sim.prove(A, 3_000n, 583n);
  await sim.verify(A, true, [0, 1]);
  await sim.prove(C, 3_600n, 400n);
  await sim.verify(C, false, [0, 2]);
  await sim.expire(D);
  await sim.expire(Gj);

  // ── Phase 4 (epoch 2): rewards for epochs 0 and 1 claimed, balances withdrawn ──
  await at(2 * EPOCH + 600, "phase 4: rewards and withdrawals");
  await sim.collect(h100, { oneTx: true });
  await sim.collect(home, { oneTx: false });
  await sim.collect(a100, { oneTx: false });
  for (const who of [alice, bob, carol, cast.sponsor]) {
    await sim.withdrawAll(who, sim.usd);
    await sim.withdrawAll(who, sim.joule);
  }
  // The treasury takes its fees and leaves its share of the slashes in the market.
  await sim.withdrawAll(cast.treasury, sim.usd);

  const open = [...sim.jobs.values()].filter((j: JobRecord) => j.status === "Open" || j.status === "Assigned");
  if (open.length)
    sim.problems.push(`scenario: job(s) ${open.map((j) => j.id).join(", ")} did not reach a terminal state`);
}

/** Runs an action that the contracts must refuse with `errorName`; anything else is a problem. */
async function expectRefusal(
  sim: Sim,
  log: (line: string) => void,
  errorName: string,
  action: () => Promise<unknown>,
  what: string,
): Promise<void> {
  try {
    await action();
    sim.problems.push(`${what}: expected the market to refuse it with ${errorName}, but it went through`);
  } catch (error) {
    if (error instanceof ContractRevertError && error.errorName === errorName) {
      log(`  ${what}: refused — ${error.shortMessage}`);
      return;
    }
    throw error;
  }
}
