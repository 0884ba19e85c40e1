// The Ignition modules deploy the protocol with the documented defaults and wire it together.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { network } from "hardhat";
import { getAddress } from "viem";

import JouleModule, { JOULE_DEFAULTS, LOCAL_VERIFIERS } from "../ignition/modules/Joule.ts";
import LocalJouleModule from "../ignition/modules/LocalJoule.ts";

const JOULE = 10n ** 18n;
const ascending = (a: string, b: string) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

describe("Ignition: LocalJoule with default parameters", async () => {
  const { ignition, viem } = await network.create();
  const [deployer] = await viem.getWalletClients();
  assert.ok(deployer);
  const publicClient = await viem.getPublicClient();
  const { token, registry, emitter, market, verifier, usd } = await ignition.deploy(LocalJouleModule);
  const me = getAddress(deployer.account.address);

  it("mints the genesis supply to the deployer under a 1e9 JOULE cap, owned by the deployer", async () => {
    assert.equal(await token.read.cap(), 1_000_000_000n * JOULE);
    assert.equal(await token.read.totalSupply(), 200_000_000n * JOULE);
    assert.equal(await token.read.balanceOf([me]), 200_000_000n * JOULE);
    assert.equal(await token.read.owner(), me);
    assert.equal(await token.read.symbol(), "JOULE");
  });

  it("uses the registry and emitter the market deployed, and makes the emitter JOULE's minter", async () => {
    assert.equal(await registry.read.market(), getAddress(market.address));
    assert.equal(await emitter.read.market(), getAddress(market.address));
    assert.equal(await token.read.minter(), getAddress(emitter.address));
    assert.equal(await registry.read.stakeToken(), getAddress(token.address));
    assert.equal(await emitter.read.token(), getAddress(token.address));
    const params = await market.read.parameters();
    assert.equal(params.registry, getAddress(registry.address));
    assert.equal(params.rewardEmitter, getAddress(emitter.address));
    assert.equal(params.stakeToken, getAddress(token.address));
    for (const c of [registry, market]) assert.equal(await c.read.owner(), me);
  });

  it("sets the registry's unbonding delay to 7 days", async () => {
    assert.equal(await registry.read.unbondingDelay(), 7 * 24 * 3600);
  });

  it("starts the reward schedule at deployment with daily epochs and a ~4-year halving", async () => {
    // genesis 0 means the emitter's deployment block time.
    const genesis = await emitter.read.genesis();
    const logs = await emitter.getEvents.ScheduleSet({ fromBlock: 0n });
    assert.equal(logs.length, 1);
    const block = await publicClient.getBlock({ blockNumber: logs[0]!.blockNumber });
    assert.equal(BigInt(genesis), block.timestamp);
    assert.equal(await emitter.read.epochLength(), 24 * 3600);
    assert.equal(await emitter.read.halvingInterval(), 1_461);
    assert.equal(await emitter.read.initialEmission(), 273_785n * JOULE);
    assert.equal(await emitter.read.emissionOf([1_460]), 273_785n * JOULE);
    assert.equal(await emitter.read.emissionOf([1_461]), (273_785n * JOULE) / 2n);
    // The whole schedule fits in what the cap leaves after genesis.
    const headroom = (await token.read.cap()) - (await token.read.totalSupply());
    assert.ok(2n * 273_785n * JOULE * 1_461n <= headroom);
  });

  it("configures the market: fee 2.5 %, 1-day verification window, 80 % slash share, deployer treasury", async () => {
    const params = await market.read.parameters();
    assert.equal(params.feeBps, 250);
    assert.equal(params.verificationWindow, 24 * 3600);
    assert.equal(params.slashPayerShareBps, 8_000);
    assert.equal(params.treasury, me);
    assert.equal(params.paused, false);
    assert.equal(params.jobCount, 0n);
  });

  it("deploys a 2-of-3 quorum of accounts 7, 8, 9 and allowlists it", async () => {
    const wallets = await viem.getWalletClients();
    const expected = [7, 8, 9].map((i) => getAddress(wallets[i]!.account.address));
    assert.deepEqual(
      expected,
      LOCAL_VERIFIERS.map((a) => getAddress(a)),
    );
    assert.deepEqual(await verifier.read.members(), expected);
    assert.equal(await verifier.read.threshold(), 2n);
    assert.deepEqual(await market.read.allowlist([verifier.address]), [false, true]);
  });

  it("deploys Mock USD (6 decimals) and allowlists it; JOULE is not a payment token", async () => {
    assert.equal(await usd.read.name(), "Mock USD");
    assert.equal(await usd.read.symbol(), "mUSD");
    assert.equal(await usd.read.decimals(), 6);
    assert.deepEqual(await market.read.allowlist([usd.address]), [true, false]);
    assert.deepEqual(await market.read.allowlist([token.address]), [false, false]);
  });
});

describe("Ignition: Joule with custom parameters", async () => {
  it("applies every parameter and deploys no payment token", async () => {
    const { ignition, viem } = await network.create();
    const wallets = await viem.getWalletClients();
    const [treasury, holder] = [1, 2].map((i) => getAddress(wallets[i]!.account.address));
    // QuorumVerifier takes its members in strictly ascending address order.
    const members = [3, 4, 5, 6].map((i) => getAddress(wallets[i]!.account.address)).sort(ascending);
    const result = await ignition.deploy(JouleModule, {
      parameters: {
        Joule: {
          treasury: treasury!,
          genesisHolder: holder!,
          cap: 500_000_000n * JOULE,
          genesisSupply: 100_000_000n * JOULE,
          unbondingDelay: 14 * 24 * 3600,
          rewardGenesis: 2_000_000_000,
          epochLength: 3_600,
          initialEmission: 1_000n * JOULE,
          halvingInterval: 100,
          protocolFeeBps: 100,
          verificationWindow: 2 * 3600,
          slashPayerShareBps: 5_000,
          verifierMembers: members,
          verifierThreshold: 3,
        },
      },
    });
    const { token, registry, emitter, market, verifier } = result;
    assert.equal("usd" in result, false);

    assert.equal(await token.read.cap(), 500_000_000n * JOULE);
    assert.equal(await token.read.balanceOf([holder!]), 100_000_000n * JOULE);
    assert.equal(await registry.read.unbondingDelay(), 14 * 24 * 3600);
    assert.equal(await emitter.read.genesis(), 2_000_000_000);
    assert.equal(await emitter.read.epochLength(), 3_600);
    assert.equal(await emitter.read.initialEmission(), 1_000n * JOULE);
    assert.equal(await emitter.read.halvingInterval(), 100);
    const params = await market.read.parameters();
    assert.equal(params.treasury, treasury);
    assert.equal(params.feeBps, 100);
    assert.equal(params.verificationWindow, 2 * 3600);
    assert.equal(params.slashPayerShareBps, 5_000);
    assert.deepEqual(await verifier.read.members(), members);
    assert.equal(await verifier.read.threshold(), 3n);
    assert.deepEqual(await market.read.allowlist([verifier.address]), [false, true]);
    assert.equal(await token.read.minter(), getAddress(emitter.address));
    assert.equal(params.registry, getAddress(registry.address));
    assert.equal(params.rewardEmitter, getAddress(emitter.address));
    assert.equal(await registry.read.market(), getAddress(market.address));
  });

  it("refuses an emission one JOULE per epoch above the default: its schedule would not fit the cap", async () => {
    // 2 × 273,786 × 1461 = 800,002,692 JOULE > 800,000,000 left under the cap: the RewardEmitter the
    // market deploys reverts, and so does the market's constructor.
    const { ignition } = await network.create();
    await assert.rejects(
      ignition.deploy(JouleModule, {
        parameters: { Joule: { initialEmission: JOULE_DEFAULTS.initialEmission + JOULE } },
      }),
      // The emitter's error, declared in the market's ABI too so tools can name it.
      /Joule#JobMarket\/1: .*InvalidSchedule\(\)/,
    );
  });

  it("refuses verifier members that are not in ascending address order", async () => {
    const { ignition } = await network.create();
    const descending = [...LOCAL_VERIFIERS].reverse();
    await assert.rejects(
      ignition.deploy(JouleModule, { parameters: { Joule: { verifierMembers: descending } } }),
      /Joule#QuorumVerifier\/1: .*MembersNotAscending/,
    );
  });
});
