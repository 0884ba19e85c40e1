// Gas of each user-facing call, measured from transaction receipts (intrinsic 21k + calldata included)
// on Hardhat's in-process network. Prints a table and writes bench/results/gas.json.
//
// Method: the one-milestone lifecycle create → placeBid → award → submitProof → settle (2-of-3) → withdraw
// runs twice with the same actors; the second ("warm") run is the steady state a live market sees (the
// tenant already has an allowance and a refund balance, the provider already holds the payment token and
// has verified work in the current reward epoch). The first ("cold") run's figures are saved beside it.
// settleMany is measured on n single-milestone jobs of one provider, gas per milestone.
import { mkdir, writeFile } from "node:fs/promises";
import { network } from "hardhat";
import { encodeAbiParameters, keccak256, parseEventLogs, parseUnits, type Address, type Hex } from "viem";

const { viem, networkHelpers } = await network.connect();
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
if (wallets.length < 8) throw new Error(`the gas benchmark needs 8 funded accounts, the network has ${wallets.length}`);
type Wallet = (typeof wallets)[number];
const [owner, tenant, provider, keeper, treasury, v1, v2, v3] = wallets as [
  Wallet,
  Wallet,
  Wallet,
  Wallet,
  Wallet,
  Wallet,
  Wallet,
  Wallet,
];
if (!owner || !tenant || !provider || !keeper || !treasury || !v1 || !v2 || !v3) throw new Error("need 8 accounts");

const COLLATERAL = parseUnits("100", 18);

// ───────────────────────────── Deploy ─────────────────────────────
const joule = await viem.deployContract("JouleToken", [
  parseUnits("1000000000", 18),
  owner.account.address,
  parseUnits("200000000", 18),
  owner.account.address,
]);
const market = await viem.deployContract("JobMarket", [
  joule.address,
  treasury.account.address,
  owner.account.address,
  {
    feeBps: 250,
    verificationWindow: 86_400,
    slashPayerShareBps: 8_000,
    unbondingDelay: 7 * 86_400,
    rewardGenesis: 0,
    epochLength: 86_400,
    initialEmission: parseUnits("273785", 18),
    halvingInterval: 1461,
  },
]);
const registry = await viem.getContractAt("ProviderRegistry", (await market.read.parameters()).registry);
const emitter = await viem.getContractAt("RewardEmitter", (await market.read.parameters()).rewardEmitter);
const verifierSet = [v1, v2, v3].sort((a, b) => (BigInt(a.account.address) < BigInt(b.account.address) ? -1 : 1));
const quorum = await viem.deployContract("QuorumVerifier", [verifierSet.map((w) => w.account.address), 2n]);
const usd = await viem.deployContract("MockERC20", ["Mock USD", "mUSD", 6]);

await joule.write.setMinter([emitter.address]);
await market.write.setAllowedToken([usd.address, true]);
await market.write.setAllowedVerifier([quorum.address, true]);

await joule.write.transfer([provider.account.address, parseUnits("10000", 18)]);
await registry.write.register(
  [
    {
      gpuClass: 3,
      gpuCount: 8,
      vramGb: 80,
      carbonIntensity: 200,
      region: toBytes32("eu-west"),
      metadataURI: "ipfs://p",
    },
  ],
  { account: provider.account },
);
await joule.write.approve([registry.address, 2n ** 256n - 1n], { account: provider.account });
await registry.write.stake([provider.account.address, parseUnits("10000", 18)], { account: provider.account });
await usd.write.mint([tenant.account.address, parseUnits("100000000", 6)]);
await usd.write.approve([market.address, 2n ** 256n - 1n], { account: tenant.account });

// ───────────────────────────── Helpers ─────────────────────────────
function toBytes32(s: string): Hex {
  return `0x${Buffer.from(s).toString("hex").padEnd(64, "0")}`;
}

async function gasOf(hash: Hex): Promise<bigint> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt.gasUsed;
}

async function now(): Promise<bigint> {
  return (await publicClient.getBlock()).timestamp;
}

type Params = {
  tenant: Address;
  payer: Address;
  feeBps: number;
  slashPayerShareBps: number;
  verificationWindow: number;
  request: {
    token: Address;
    verifier: Address;
    specHash: Hex;
    maxUnits: bigint;
    maxPricePerUnit: bigint;
    collateral: bigint;
    biddingEnd: number;
    deliveryWindow: number;
    milestones: number;
    requirements: { minGpuClass: number; minGpuCount: number; minVramGb: number; maxCarbonIntensity: number };
  };
};

async function createJob(): Promise<{ jobId: bigint; params: Params; gas: bigint }> {
  const request = {
    token: usd.address,
    verifier: quorum.address,
    specHash: keccak256(toBytes32(`spec-${Math.random()}`)),
    maxUnits: 3_600n,
    maxPricePerUnit: 1_000n,
    collateral: COLLATERAL,
    biddingEnd: Number(await now()) + 3_600,
    deliveryWindow: 86_400,
    milestones: 1,
    requirements: { minGpuClass: 1, minGpuCount: 1, minVramGb: 24, maxCarbonIntensity: 0 },
  };
  const hash = await market.write.createJob([request], { account: tenant.account });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const [created] = parseEventLogs({ abi: market.abi, logs: receipt.logs, eventName: "JobCreated" });
  if (!created) throw new Error("no JobCreated");
  return { jobId: created.args.jobId, params: created.args.params as Params, gas: receipt.gasUsed };
}

const attestationTypes = {
  WorkAttestation: [
    { name: "jobId", type: "uint256" },
    { name: "milestone", type: "uint8" },
    { name: "resultRoot", type: "bytes32" },
    { name: "units", type: "uint64" },
    { name: "energyWh", type: "uint64" },
    { name: "accepted", type: "bool" },
  ],
} as const;

async function attest(jobId: bigint, units: bigint, energyWh: bigint) {
  const chainId = await publicClient.getChainId();
  const attestation = {
    jobId,
    milestone: 0,
    resultRoot: keccak256(encodeAbiParameters([{ type: "uint256" }], [jobId])),
    units,
    energyWh,
    accepted: true,
  };
  const sigs: Hex[] = [];
  for (const signer of verifierSet.slice(0, 2)) {
    sigs.push(
      await signer.signTypedData({
        domain: { name: "Joule JobMarket", version: "1", chainId, verifyingContract: market.address },
        types: attestationTypes,
        primaryType: "WorkAttestation",
        message: attestation,
      }),
    );
  }
  return { attestation, signatures: `0x${sigs.map((s) => s.slice(2)).join("")}` as Hex };
}

type Assignment = { provider: Address; pricePerUnit: bigint };

async function assign(jobId: bigint, params: Params) {
  const bid = await gasOf(await market.write.placeBid([jobId, params, 800n], { account: provider.account }));
  await networkHelpers.time.increaseTo(params.request.biddingEnd);
  const award = await gasOf(await market.write.award([jobId, params], { account: keeper.account }));
  const assignment: Assignment = { provider: provider.account.address, pricePerUnit: 800n };
  return { bid, award, assignment };
}

async function prove(jobId: bigint, params: Params, assignment: Assignment, units: bigint, energyWh: bigint) {
  const { attestation, signatures } = await attest(jobId, units, energyWh);
  const gas = await gasOf(
    await market.write.submitProof([jobId, params, assignment, 0, attestation.resultRoot, units, energyWh], {
      account: provider.account,
    }),
  );
  return { gas, attestation, signatures };
}

async function lifecycle() {
  const created = await createJob();
  const { bid, award, assignment } = await assign(created.jobId, created.params);
  const proof = await prove(created.jobId, created.params, assignment, 3_000n, 4_500n);
  const settle = await gasOf(
    await market.write.settle([created.jobId, created.params, assignment, proof.attestation, proof.signatures], {
      account: keeper.account,
    }),
  );
  const balance = await market.read.balanceOf([provider.account.address, usd.address]);
  const withdraw = await gasOf(
    await market.write.withdraw([usd.address, balance, provider.account.address], { account: provider.account }),
  );
  const row = {
    createJob: Number(created.gas),
    placeBid: Number(bid),
    award: Number(award),
    submitProof: Number(proof.gas),
    settle: Number(settle),
    withdraw: Number(withdraw),
  };
  return { ...row, total: Object.values(row).reduce((a, b) => a + b, 0) };
}

// acceptBid is not on the measured path (award is); it is measured on its own job.
async function acceptBidGas(): Promise<number> {
  const { jobId, params } = await createJob();
  const chainId = await publicClient.getChainId();
  const bid = {
    jobId,
    provider: provider.account.address,
    pricePerUnit: 900n,
    expiry: Number(await now()) + 600,
    nonce: jobId,
  };
  const signature = await provider.signTypedData({
    domain: { name: "Joule JobMarket", version: "1", chainId, verifyingContract: market.address },
    types: {
      Bid: [
        { name: "jobId", type: "uint256" },
        { name: "provider", type: "address" },
        { name: "pricePerUnit", type: "uint128" },
        { name: "expiry", type: "uint40" },
        { name: "nonce", type: "uint256" },
      ],
    },
    primaryType: "Bid",
    message: bid,
  });
  const gas = await gasOf(await market.write.acceptBid([params, bid, signature], { account: tenant.account }));
  // Finish the job so the provider's collateral is free again.
  const assignment: Assignment = { provider: provider.account.address, pricePerUnit: 900n };
  const proof = await prove(jobId, params, assignment, 100n, 100n);
  await gasOf(
    await market.write.settle([jobId, params, assignment, proof.attestation, proof.signatures], {
      account: keeper.account,
    }),
  );
  return Number(gas);
}

async function settleManyPerMilestone(n: number): Promise<number> {
  const jobs: { jobId: bigint; params: Params }[] = [];
  for (let i = 0; i < n; i++) jobs.push(await createJob());
  for (const j of jobs)
    await gasOf(await market.write.placeBid([j.jobId, j.params, 800n], { account: provider.account }));
  await networkHelpers.time.increaseTo(Math.max(...jobs.map((j) => j.params.request.biddingEnd)));
  const settlements = [];
  for (const j of jobs) {
    await gasOf(await market.write.award([j.jobId, j.params], { account: keeper.account }));
    const assignment: Assignment = { provider: provider.account.address, pricePerUnit: 800n };
    const proof = await prove(j.jobId, j.params, assignment, 3_000n, 4_500n);
    settlements.push({
      jobId: j.jobId,
      params: j.params,
      assignment,
      attestation: proof.attestation,
      signatures: proof.signatures,
    });
  }
  const gas = await gasOf(await market.write.settleMany([settlements], { account: keeper.account }));
  return Math.round(Number(gas) / n);
}

// ───────────────────────────── Run ─────────────────────────────
const cold = await lifecycle();
const warm = await lifecycle();
const acceptBid = await acceptBidGas();
const batch: Record<string, number> = {};
for (const n of [1, 5, 20, 50]) batch[String(n)] = await settleManyPerMilestone(n);

const lifecycleResult = {
  createJob: warm.createJob,
  placeBid: warm.placeBid,
  award: warm.award,
  acceptBid,
  submitProof: warm.submitProof,
  settle: warm.settle,
  withdraw: warm.withdraw,
  total: warm.total,
};
const targets: Record<string, number> = { createJob: 110_000, settle: 100_000, withdraw: 45_000, total: 400_000 };

console.log("\nJoule gas per call (transaction gasUsed, warm run)\n");
console.log("call         warm      cold     target");
for (const [k, v] of Object.entries(lifecycleResult)) {
  const c = (cold as Record<string, number>)[k];
  const t = targets[k];
  const verdict = t === undefined ? "" : v <= t ? `≤ ${t} ok` : `> ${t} OVER`;
  console.log(`${k.padEnd(12)} ${String(v).padStart(7)} ${String(c ?? "-").padStart(9)}   ${verdict}`);
}
console.log("\nsettleMany gas per milestone");
for (const [n, g] of Object.entries(batch))
  console.log(`  n=${n.padEnd(3)} ${g}${n === "20" ? (g <= 60_000 ? "  (≤ 60000 ok)" : "  (> 60000 OVER)") : ""}`);

const result = {
  lifecycle: lifecycleResult,
  lifecycleCold: cold,
  batch: { settleManyPerMilestone: batch },
  meta: {
    method: "transaction receipts on Hardhat's in-process network (EDR); warm = second identical lifecycle",
    solc: "0.8.37 viaIR, optimizer runs 200",
    date: new Date().toISOString(),
  },
};
await mkdir(new URL("./results/", import.meta.url), { recursive: true });
await writeFile(new URL("./results/gas.json", import.meta.url), JSON.stringify(result, null, 2) + "\n");
console.log("\nwrote bench/results/gas.json");
const over = Object.entries(targets).filter(([k, t]) => (lifecycleResult as Record<string, number>)[k]! > t);
if (over.length > 0 || (batch["20"] ?? Infinity) > 60_000) process.exitCode = 1;
