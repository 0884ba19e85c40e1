// Errors users read: contract custom errors decoded into one readable line, validation that refuses bad
// input before anything is signed or sent, and transport failures marked retryable.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Address, createPublicClient, encodeErrorResult, http, keccak256, stringToHex } from "viem";
import { hardhat } from "viem/chains";
import { jobMarketAbi, providerRegistryAbi } from "../abi/index.ts";
import { acceptBid } from "../actions/acceptBid.ts";
import { award } from "../actions/award.ts";
import { cancelJob } from "../actions/cancelJob.ts";
import { createJob } from "../actions/createJob.ts";
import { placeBid } from "../actions/placeBid.ts";
import { settle } from "../actions/settle.ts";
import { signAttestation } from "../actions/signAttestation.ts";
import { signBid } from "../actions/signBid.ts";
import { stake } from "../actions/stake.ts";
import { submitProof } from "../actions/submitProof.ts";
import { withdraw } from "../actions/withdraw.ts";
import { getJob } from "../actions/getJob.ts";
import { createJouleClient } from "../client.ts";
import { defaultJob, type Fixture, setUpProtocol } from "../testing/fixture.ts";
import { freePort } from "../testing/localNode.ts";
import { combineAttestationSignatures } from "../utils/signatures.ts";
import { JouleError } from "./base.ts";
import { decodeRevertData, toJouleError } from "./decode.ts";
import { ContractRevertError, InvalidInputError } from "./errors.ts";

/** Asserts a ContractRevertError with exactly this name and message. */
const reverts = (name: string, message: string | RegExp) => (err: unknown) => {
  assert.ok(err instanceof ContractRevertError, `expected ContractRevertError, got ${String(err)}`);
  assert.ok(err instanceof JouleError);
  assert.equal(err.code, "CONTRACT_REVERT");
  assert.equal(err.errorName, name);
  if (typeof message === "string") assert.equal(err.shortMessage, message);
  else assert.match(err.shortMessage, message);
  assert.ok(err.cause, "keeps the original error as cause");
  return true;
};
/** Asserts an InvalidInputError naming `field`. */
const invalid = (field: string, message?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof InvalidInputError, `expected InvalidInputError, got ${String(err)}`);
  assert.equal(err.field, field);
  assert.equal(err.code, "INVALID_INPUT");
  if (message) assert.match(err.shortMessage, message);
  return true;
};

describe("decodeRevertData (offline)", () => {
  it("names enum values: JobNotOpen: job 12 is Assigned", () => {
    const data = encodeErrorResult({ abi: jobMarketAbi, errorName: "JobNotOpen", args: [12n, 2] });
    const err = decodeRevertData(data)!;
    assert.equal(err.shortMessage, "JobNotOpen: job 12 is Assigned");
    assert.deepEqual(err.args, { jobId: 12n, status: 2 });
    assert.equal(err.data, data);
  });

  it("decodes registry errors raised through the market", () => {
    const provider = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
    const data = encodeErrorResult({
      abi: providerRegistryAbi,
      errorName: "InsufficientFreeStake",
      args: [provider, 5n, 1000n],
    });
    assert.equal(
      decodeRevertData(data)?.shortMessage,
      `InsufficientFreeStake: provider ${provider} has 5 free stake, needs 1000`,
    );
  });

  it("decodes reason strings and panics; unknown selectors stay undecoded", () => {
    const reason = encodeErrorResult({
      abi: [{ type: "error", name: "Error", inputs: [{ name: "message", type: "string" }] }],
      errorName: "Error",
      args: ["nope"],
    });
    assert.equal(decodeRevertData(reason)?.shortMessage, "Error: nope");
    const panic = encodeErrorResult({
      abi: [{ type: "error", name: "Panic", inputs: [{ name: "code", type: "uint256" }] }],
      errorName: "Panic",
      args: [0x11n],
    });
    assert.equal(decodeRevertData(panic)?.shortMessage, "Panic: arithmetic overflow or underflow");
    assert.equal(decodeRevertData("0xdeadbeef"), undefined);
  });

  it("an unreachable node is a retryable RpcError", async () => {
    const port = await freePort();
    const deployment = {
      chainId: 31337,
      startBlock: 0,
      addresses: {
        jouleToken: "0x0000000000000000000000000000000000000001",
        providerRegistry: "0x0000000000000000000000000000000000000002",
        rewardEmitter: "0x0000000000000000000000000000000000000003",
        jobMarket: "0x0000000000000000000000000000000000000004",
        quorumVerifier: "0x0000000000000000000000000000000000000005",
      },
    } as const;
    const joule = createJouleClient({
      deployment,
      publicClient: createPublicClient({
        chain: hardhat,
        transport: http(`http://127.0.0.1:${port}`, { retryCount: 0 }),
      }),
    });
    await assert.rejects(getJob(joule, { jobId: 1n }), (err: unknown) => {
      assert.ok(err instanceof JouleError);
      assert.equal(err.name, "RpcError");
      assert.equal(err.code, "RPC");
      assert.equal(err.retryable, true);
      return true;
    });
  });

  it("wraps anything unknown in a JouleError with the cause kept", () => {
    const cause = new Error("boom\nsecond line");
    const err = toJouleError(cause);
    assert.equal(err.shortMessage, "boom");
    assert.equal(err.cause, cause);
    assert.equal(err.retryable, false);
  });
});

describe("on a local node", () => {
  let f: Fixture;
  before(async () => {
    f = await setUpProtocol();
  });
  after(async () => {
    await f?.stop();
  });

  /** Validation must fail before any transaction: the sender's nonce stays put. */
  async function refusedBeforeSending(who: Address, fn: () => Promise<unknown>, check: (err: unknown) => boolean) {
    const nonce = await f.publicClient.getTransactionCount({ address: who });
    await assert.rejects(fn(), check);
    assert.equal(await f.publicClient.getTransactionCount({ address: who }), nonce, "nothing was sent");
  }

  it("createJob validates every field before sending", async () => {
    const t = f.tenant;
    const job = await defaultJob(f);
    const now = await f.now();
    await refusedBeforeSending(
      t.address,
      () => createJob(t.joule, { ...job, maxPricePerUnit: 0n }),
      invalid("maxPricePerUnit", /must be positive/),
    );
    await refusedBeforeSending(
      t.address,
      () => createJob(t.joule, { ...job, maxPricePerUnit: 1n << 88n }),
      invalid("maxPricePerUnit", /at most/),
    );
    await refusedBeforeSending(t.address, () => createJob(t.joule, { ...job, maxUnits: -5n }), invalid("maxUnits"));
    await refusedBeforeSending(
      t.address,
      () => createJob(t.joule, { ...job, biddingEnd: now - 10 }),
      invalid("biddingEnd", /must be in the future/),
    );
    await refusedBeforeSending(
      t.address,
      () => createJob(t.joule, { ...job, biddingEnd: now + 31 * 86_400 }),
      invalid("biddingEnd", /ahead of chain time/),
    );
    await refusedBeforeSending(t.address, () => createJob(t.joule, { ...job, milestones: 0 }), invalid("milestones"));
    await refusedBeforeSending(
      t.address,
      () => createJob(t.joule, { ...job, milestones: 65 }),
      invalid("milestones", /at most 64/),
    );
    await refusedBeforeSending(
      t.address,
      () => createJob(t.joule, { ...job, deliveryWindow: 60 }),
      invalid("deliveryWindow", /at least 600/),
    );
    await refusedBeforeSending(
      t.address,
      () => createJob(t.joule, { ...job, token: "0x1234" as Address }),
      invalid("token", /not an address/),
    );
    await refusedBeforeSending(
      t.address,
      () => createJob(t.joule, { ...job, specHash: "0xabcd" }),
      invalid("specHash"),
    );
    await refusedBeforeSending(
      t.address,
      () => createJob(t.joule, { ...job, tenant: f.sponsor.address, funding: "permit" }),
      invalid("funding"),
    );
    await refusedBeforeSending(
      t.address,
      () => createJob(t.joule, { ...job, maxUnits: 10n ** 12n }),
      invalid("maxUnits × maxPricePerUnit", /holds/),
    );
  });

  it("other actions validate prices, deadlines, milestones, units and signatures", async () => {
    const { jobId, params } = await createJob(f.tenant.joule, await defaultJob(f, { milestones: 2 }));
    const p = f.provider;
    await refusedBeforeSending(
      p.address,
      () => placeBid(p.joule, { jobId, pricePerUnit: 1_001n }),
      invalid("pricePerUnit", /above job \d+'s maximum of 1000/),
    );
    await refusedBeforeSending(
      p.address,
      () => placeBid(p.joule, { jobId, pricePerUnit: 0n }),
      invalid("pricePerUnit"),
    );
    await assert.rejects(
      signBid(p.joule, { jobId, pricePerUnit: 900n, expiry: (await f.now()) - 1 }),
      invalid("expiry"),
    );
    await assert.rejects(
      signBid(p.joule, { jobId, pricePerUnit: 2_000n, expiry: (await f.now()) + 60 }),
      invalid("pricePerUnit"),
    );
    await refusedBeforeSending(p.address, () => withdraw(p.joule, { amount: 0n }), invalid("amount"));
    await refusedBeforeSending(p.address, () => stake(p.joule, { amount: "-1" }), invalid("amount"));
    await refusedBeforeSending(
      p.address,
      () => withdraw(p.joule, { to: "nope" as Address, amount: 1n }),
      invalid("to"),
    );

    // Assigned job: proofs are checked against the job's milestones and units.
    const signed = await signBid(p.joule, { jobId, pricePerUnit: 900n, expiry: (await f.now()) + 600, params });
    await acceptBid(f.tenant.joule, { ...signed, params });
    const root = keccak256(stringToHex("x"));
    await refusedBeforeSending(
      p.address,
      () => submitProof(p.joule, { jobId, milestone: 2, resultRoot: root, units: 1n, energyWh: 0n }),
      invalid("milestone", /at most 1/),
    );
    await refusedBeforeSending(
      p.address,
      () => submitProof(p.joule, { jobId, resultRoot: root, units: 3_601n, energyWh: 0n }),
      invalid("units", /at most 3600/),
    );
    await refusedBeforeSending(
      p.address,
      () => submitProof(p.joule, { jobId, resultRoot: root, units: 0n, energyWh: 0n }),
      invalid("units"),
    );
    await refusedBeforeSending(
      p.address,
      () => submitProof(p.joule, { jobId, resultRoot: root, units: 1n, energyWh: 1n << 48n }),
      invalid("energyWh"),
    );
    await assert.rejects(
      signAttestation(f.verifiers[0]!.joule, { jobId, accepted: true }),
      invalid("jobId", /no proof waiting/),
    );

    await submitProof(p.joule, { jobId, resultRoot: root, units: 100n, energyWh: 5n });
    const a = await signAttestation(f.verifiers[0]!.joule, { jobId, accepted: true });
    await refusedBeforeSending(
      f.keeper.address,
      () => settle(f.keeper.joule, { attestation: a.attestation, signatures: "0x1234" }),
      invalid("signatures"),
    );
    assert.throws(() => combineAttestationSignatures([a, a]), invalid("signatures[1].signer", /signed twice/));
    await refusedBeforeSending(
      f.keeper.address,
      () => settle(f.keeper.joule, { attestation: { ...a.attestation, units: 99n }, signatures: [a] }),
      invalid("signatures[0].attestation"),
    );
    // One signature of a 2-of-3 quorum: the contract refuses, and the SDK says why.
    await assert.rejects(
      settle(f.keeper.joule, { attestation: a.attestation, signatures: [a] }),
      reverts(
        "InvalidAttestation",
        `InvalidAttestation: the signatures do not make a quorum for job ${jobId} milestone 0 (wrong signers, order or count)`,
      ),
    );
  });

  it("decodes the contracts' custom errors into readable messages", async () => {
    const { jobId } = await createJob(f.tenant.joule, await defaultJob(f));
    await assert.rejects(
      cancelJob(f.sponsor.joule, { jobId }),
      reverts("NotTenant", `NotTenant: ${f.sponsor.address} is not the tenant of job ${jobId}`),
    );
    await placeBid(f.provider.joule, { jobId, pricePerUnit: 800n });
    await assert.rejects(
      placeBid(f.provider2.joule, { jobId, pricePerUnit: 800n }),
      reverts("BidNotBetter", `BidNotBetter: a bid of 800 on job ${jobId} does not beat the best bid of 800`),
    );
    await assert.rejects(
      award(f.keeper.joule, { jobId }),
      reverts("BiddingNotEnded", new RegExp(`^BiddingNotEnded: bidding on job ${jobId} runs until \\d{4}-`)),
    );
    await cancelJob(f.tenant.joule, { jobId });
    await assert.rejects(
      cancelJob(f.tenant.joule, { jobId }),
      reverts("JobNotOpen", `JobNotOpen: job ${jobId} is Cancelled`),
    );

    // A registered provider without free stake cannot bid: the registry's error comes through the market.
    const { jobId: big } = await createJob(f.tenant.joule, await defaultJob(f, { collateral: 10n ** 24n }));
    await assert.rejects(
      placeBid(f.provider.joule, { jobId: big, pricePerUnit: 500n }),
      reverts(
        "InsufficientFreeStake",
        new RegExp(`^InsufficientFreeStake: provider ${f.provider.address} has \\d+ free stake, needs ${10n ** 24n}$`),
      ),
    );
    // Someone who never registered.
    await assert.rejects(
      placeBid(f.keeper.joule, { jobId: big, pricePerUnit: 500n }),
      reverts("NotRegistered", `NotRegistered: ${f.keeper.address} is not a registered provider`),
    );
    // A nonce cannot be used twice.
    const { jobId: j2, params } = await createJob(f.tenant.joule, await defaultJob(f));
    const { jobId: j3, params: p3 } = await createJob(f.tenant.joule, await defaultJob(f));
    const expiry = (await f.now()) + 600;
    await acceptBid(f.tenant.joule, {
      ...(await signBid(f.provider.joule, { jobId: j2, pricePerUnit: 700n, expiry, nonce: 7n, params })),
      params,
    });
    await assert.rejects(
      acceptBid(f.tenant.joule, {
        ...(await signBid(f.provider.joule, { jobId: j3, pricePerUnit: 700n, expiry, nonce: 7n, params: p3 })),
        params: p3,
      }),
      reverts("NonceUsed", `NonceUsed: nonce 7 of ${f.provider.address} was already used or invalidated`),
    );
    // No allowance and `funding: "allowance"`: the token's own error is decoded too.
    await assert.rejects(
      createJob(f.sponsor.joule, { ...(await defaultJob(f)), funding: "allowance" }),
      reverts(
        "ERC20InsufficientAllowance",
        /^ERC20InsufficientAllowance: allowance of 0x[0-9a-fA-F]{40} is 0, needs 3600000$/,
      ),
    );
  });

  it("a deployment on another chain is refused with a ConfigError", async () => {
    const joule = createJouleClient({
      deployment: { ...f.deployment, chainId: 1 },
      publicClient: f.publicClient,
      walletClient: f.tenant.wallet,
    });
    await assert.rejects(
      cancelJob(joule, { jobId: 1n, params: (await createJob(f.tenant.joule, await defaultJob(f))).params }),
      {
        name: "ConfigError",
        code: "CONFIG",
        message: /the deployment is on chain 1 but the node serves chain 31337/,
      },
    );
  });
});
