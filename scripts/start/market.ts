// The continuous market of `npm start`: tenants keep posting jobs of different sizes, providers compete with
// on-chain and signed bids, verifiers judge proofs 2-of-3, keepers award and expire, and time moves a few
// minutes per step so deadlines pass and reward epochs end. Random but seeded: the same seed replays the same
// choices. Every action goes through `Sim`, which books what the rules say it moved.
import { erc20Abi } from "viem";
import { JOULE, type JobRecord, type ProviderRecord, type Sim } from "./sim.ts";

/** mulberry32: a small, fast, seedable PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Seconds kept clear of a deadline when acting before it (each transaction of a step adds a second or more). */
const MARGIN = 120;

/** Watts per GPU by class, to turn GPU-seconds into Wh. */
const WATTS: Record<number, number> = { 4: 700, 3: 400, 2: 380 };

type Behaviour = {
  /** The provider never delivers (missed deadline, slashed). */
  ghost: boolean;
  /** This milestone's proof is bad: the verifiers reject it. */
  badMilestone: number | undefined;
  /** The verifiers never answer this job's proofs (verification timeout). */
  silentVerifiers: boolean;
};

export class Market {
  private readonly sim: Sim;
  private readonly rng: () => number;
  private readonly say: (line: string) => void;
  private readonly behaviour = new Map<bigint, Behaviour>();
  private nonce = 1_000n;
  private jobNumber = 0;
  steps = 0;
  failures = 0;

  constructor(sim: Sim, seed: number, say: (line: string) => void) {
    this.sim = sim;
    this.rng = seededRandom(seed);
    this.say = say;
  }

  /** One round: new jobs, bidding, awards, proofs, verification, deadlines, claims, withdrawals, then time moves. */
  async step(shouldStop: () => boolean): Promise<void> {
    const sim = this.sim;
    const now = await sim.now();
    const jobs = [...sim.jobs.values()];
    const open = jobs.filter((j) => j.status === "Open");

    if (open.length < 3 && this.rng() < 0.7) await this.attempt("post a job", () => this.postJob());

    for (const job of open) {
      if (shouldStop()) return;
      // Chain time moves a second per block within a step: act on deadlines with a margin.
      if (now + MARGIN >= job.params.request.biddingEnd) {
        if (now < job.params.request.biddingEnd) continue;
        await this.attempt(`close bidding on job ${job.id}`, () => (job.bestBidder ? sim.award(job) : sim.expire(job)));
      } else if (this.rng() < 0.03) {
        await this.attempt(`cancel job ${job.id}`, () => sim.cancel(job));
      } else {
        const r = this.rng();
        if (r < 0.45) await this.attempt(`bid on job ${job.id}`, () => this.bidOnChain(job));
        else if (r < 0.65) await this.attempt(`signed bids on job ${job.id}`, () => this.signedBids(job));
      }
    }

    for (const job of jobs.filter((j) => j.status === "Assigned")) {
      if (shouldStop()) return;
      const b = this.behaviourOf(job);
      if (job.pending) {
        if (now > job.pending.verifyDeadline) await this.attempt(`expire job ${job.id}`, () => sim.expire(job));
        else if (!b.silentVerifiers && now + MARGIN < job.pending.verifyDeadline) {
          const pair = this.pick([
            [0, 1],
            [0, 2],
            [1, 2],
          ] as const);
          const accepted = b.badMilestone !== job.pending.milestone;
          await this.attempt(`verify job ${job.id}`, () => sim.verify(job, accepted, pair));
        }
      } else if (now > job.deliveryDeadline!) {
        await this.attempt(`expire job ${job.id}`, () => sim.expire(job));
      } else if (!b.ghost && now + MARGIN < job.deliveryDeadline!) {
        await this.attempt(`prove job ${job.id}`, () => this.prove(job));
      }
    }

    // Rewards of ended epochs and withdrawals.
    const epoch = sim.currentEpoch(now);
    for (const p of sim.providers.values()) {
      if (shouldStop()) return;
      const claimable = [...p.epochs].some(([e, pe]) => e < epoch && pe.claimed === undefined && pe.units > 0n);
      if (claimable && this.rng() < 0.4)
        await this.attempt(`${p.actor.name} collects`, () => sim.collect(p.actor, { oneTx: this.rng() < 0.5 }));
      await this.attempt(`${p.actor.name} tops up`, () => this.topUp(p));
    }
    for (const who of [...sim.cast.tenants, sim.cast.sponsor, sim.cast.treasury]) {
      for (const token of [sim.usd, sim.joule]) {
        if (sim.balanceOf(who.address, token) > 0n && this.rng() < 0.08)
          await this.attempt(`${who.name} withdraws`, () => sim.withdrawAll(who, token));
      }
    }

    // Time: 4 to 8 minutes per step.
    await sim.warp(240 + Math.floor(this.rng() * 240));
    this.steps++;
  }

  private async attempt(what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      // Once stopping, the chain may already be gone (Ctrl-C signals the whole process group): stay quiet.
      if (this.sim.stopRequested) throw error;
      this.failures++;
      const message =
        error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error);
      this.say(`  ! ${what} failed: ${message.split("\n")[0]}`);
    }
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rng() * items.length)]!;
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.rng() * (max - min + 1));
  }

  private async postJob(): Promise<void> {
    const sim = this.sim;
    const tenant = this.pick(sim.cast.tenants);
    const milestones = this.int(1, 3);
    const perMilestone = BigInt(this.pick([1_800, 3_600, 5_400, 7_200]));
    const kinds = [
      "llm fine-tune",
      "diffusion inference",
      "embedding backfill",
      "speech transcription",
      "rl rollout",
      "video upscaling",
    ];
    const r = this.rng();
    const requirements =
      r < 0.25
        ? { minGpuClass: 3 }
        : r < 0.4
          ? { maxCarbonIntensity: 400 }
          : r < 0.55
            ? { minVramGb: 40 }
            : r < 0.6
              ? { minGpuClass: 4 }
              : {};
    await sim.postJob({
      label: `#${++this.jobNumber} ${this.pick(kinds)}`,
      tenant,
      sponsor: this.rng() < 0.15 ? sim.cast.sponsor : undefined,
      milestones,
      maxUnits: perMilestone * BigInt(milestones),
      maxPricePerUnit: BigInt(this.int(12, 40) * 50),
      collateral: BigInt(this.int(2, 15) * 100) * JOULE,
      biddingSeconds: this.int(15, 40) * 60,
      deliveryWindow: milestones * 2 * 3600,
      requirements,
    });
  }

  /** Providers that may take the job: hardware and carbon profile fit, and enough free stake. */
  private eligible(job: JobRecord): ProviderRecord[] {
    const req = job.params.request.requirements;
    return [...this.sim.providers.values()].filter(
      (p) =>
        p.hardware.gpuClass >= req.minGpuClass &&
        p.hardware.gpuCount >= req.minGpuCount &&
        p.hardware.vramGb >= req.minVramGb &&
        (req.maxCarbonIntensity === 0 || p.hardware.carbonIntensity <= req.maxCarbonIntensity) &&
        p.stake - p.locked >= job.params.request.collateral,
    );
  }

  private async bidOnChain(job: JobRecord): Promise<void> {
    const candidates = this.eligible(job).filter(
      (p) => !job.bestBidder || p.actor.address.toLowerCase() !== job.bestBidder.toLowerCase(),
    );
    if (!candidates.length) return;
    const p = this.pick(candidates);
    const max = job.params.request.maxPricePerUnit;
    const ceiling = job.bestPrice ?? max + 1n;
    const price = ceiling - 1n - (max * BigInt(this.int(2, 10))) / 100n;
    if (price < (max * 40n) / 100n) return;
    await this.sim.bid(p.actor, job, price);
  }

  private async signedBids(job: JobRecord): Promise<void> {
    const candidates = this.eligible(job);
    if (!candidates.length) return;
    const max = job.params.request.maxPricePerUnit;
    const offers = [];
    for (let i = 0; i < Math.min(candidates.length, this.int(1, 2)); i++) {
      const p = candidates.splice(Math.floor(this.rng() * candidates.length), 1)[0]!;
      offers.push(await this.sim.offer(p.actor, job, (max * BigInt(this.int(50, 95))) / 100n, this.nonce++));
    }
    const best = offers.reduce((a, b) => (b.bid.pricePerUnit < a.bid.pricePerUnit ? b : a));
    // The tenant takes the cheapest signed offer only if it beats the best on-chain bid.
    if (job.bestPrice === undefined || best.bid.pricePerUnit < job.bestPrice) await this.sim.accept(job, best);
  }

  private behaviourOf(job: JobRecord): Behaviour {
    let b = this.behaviour.get(job.id);
    if (!b) {
      const p = this.sim.provider(job.provider!);
      // The coal rig is flaky: one job in five is never delivered.
      const ghostRate = p.hardware.carbonIntensity > 600 ? 0.2 : 0.03;
      b = {
        ghost: this.rng() < ghostRate,
        badMilestone: this.rng() < 0.07 ? this.int(0, job.params.request.milestones - 1) : undefined,
        silentVerifiers: this.rng() < 0.03,
      };
      this.behaviour.set(job.id, b);
    }
    return b;
  }

  private async prove(job: JobRecord): Promise<void> {
    const r = job.params.request;
    const remaining = r.maxUnits - job.units;
    const share = r.maxUnits / BigInt(r.milestones);
    const last = job.milestonesSettled === r.milestones - 1;
    // The last milestone often needs a little less than budgeted.
    const units = last ? (remaining * BigInt(this.int(80, 100))) / 100n : share;
    if (units <= 0n) return;
    const hw = this.sim.provider(job.provider!).hardware;
    const watts = WATTS[hw.gpuClass] ?? 350;
    const energyWh = (units * BigInt(Math.round(watts * (0.9 + this.rng() * 0.2)))) / 3600n;
    await this.sim.prove(job, units, energyWh);
  }

  /** Keeps a provider's free stake above 3,000 JOULE from its wallet (rewards land there). */
  private async topUp(p: ProviderRecord): Promise<void> {
    const free = p.stake - p.locked;
    if (free >= 3_000n * JOULE) return;
    const wallet = await this.sim.cast.publicClient.readContract({
      address: this.sim.joule,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [p.actor.address],
    });
    const amount = wallet >= 2_000n * JOULE ? 2_000n * JOULE : wallet;
    if (amount < 100n * JOULE) return;
    await this.sim.topUp(p.actor, amount);
    this.say(`  · ${p.actor.name} tops its stake up by ${amount / JOULE} JOULE`);
  }
}
