// Deploys the whole Joule protocol and wires it together.
//
//   npx hardhat ignition deploy ignition/modules/Joule.ts --network <net> --parameters <file.json>
//
// Every number below is a module parameter with a default that works on a local network. The
// deployer (account 0) owns JouleToken, JobMarket and ProviderRegistry and sends the wiring calls; hand
// ownership to governance afterwards with `transferOwnership` + `acceptOwnership` (Ownable2Step). The
// treasury is immutable in the market: choose it here.
//
// On a live network, pass `verifierMembers` (and usually `treasury`): the default members are the
// Hardhat development accounts #7–#9, whose private keys are public.
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

const JOULE = 10n ** 18n;
const DAY = 24 * 60 * 60;

/** Hardhat's development accounts #7, #8, #9 (mnemonic "test test … junk"), ascending: the local verifier quorum. */
export const LOCAL_VERIFIERS = [
  "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
  "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
  "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720",
];

/** Defaults of the module parameters (also used by the tests to compute expected values). */
export const JOULE_DEFAULTS = {
  cap: 1_000_000_000n * JOULE,
  genesisSupply: 200_000_000n * JOULE,
  unbondingDelay: 7 * DAY,
  // 0 = the deployment time.
  rewardGenesis: 0,
  epochLength: DAY,
  // 1461 daily epochs ≈ 4 years between halvings.
  halvingInterval: 1_461,
  // The largest whole-JOULE emission whose schedule fits the cap: RewardEmitter requires
  // 2 × E0 × H ≤ cap − genesis, i.e. 2 × 273,785 × 1461 = 799,999,770 ≤ 800,000,000 JOULE.
  initialEmission: 273_785n * JOULE,
  protocolFeeBps: 250,
  verificationWindow: DAY,
  slashPayerShareBps: 8_000,
  verifierThreshold: 2,
} as const;

/**
 * `JobMarket.parameters()` returns one struct of static fields, whose ABI encoding is the same as those fields
 * returned one by one. Read through this flat ABI, Ignition can pick a single field by name (it cannot reach
 * into a struct). The outputs must stay in the order of `IJobMarket.Parameters`; the Ignition test checks the
 * addresses found against the market's own ABI.
 */
const MARKET_PARAMETERS_ARTIFACT = {
  _format: "hh3-artifact-1",
  contractName: "JobMarketParameters",
  sourceName: "contracts/interfaces/IJobMarket.sol",
  abi: [
    {
      type: "function",
      name: "parameters",
      stateMutability: "view",
      inputs: [],
      outputs: [
        { name: "feeBps", type: "uint16", internalType: "uint16" },
        { name: "verificationWindow", type: "uint32", internalType: "uint32" },
        { name: "slashPayerShareBps", type: "uint16", internalType: "uint16" },
        { name: "paused", type: "bool", internalType: "bool" },
        { name: "jobCount", type: "uint64", internalType: "uint64" },
        { name: "treasury", type: "address", internalType: "address" },
        { name: "registry", type: "address", internalType: "address" },
        { name: "rewardEmitter", type: "address", internalType: "address" },
        { name: "stakeToken", type: "address", internalType: "address" },
      ],
    },
  ],
  bytecode: "0x",
  deployedBytecode: "0x",
  linkReferences: {},
  deployedLinkReferences: {},
} as const;

export default buildModule("Joule", (m) => {
  const deployer = m.getAccount(0);
  const treasury = m.getParameter("treasury", deployer);
  const genesisHolder = m.getParameter("genesisHolder", deployer);

  const token = m.contract("JouleToken", [
    m.getParameter("cap", JOULE_DEFAULTS.cap),
    genesisHolder,
    m.getParameter("genesisSupply", JOULE_DEFAULTS.genesisSupply),
    deployer,
  ]);

  // The market deploys its ProviderRegistry and RewardEmitter (both know it as an immutable). The emitter's
  // constructor checks that the whole schedule fits under the cap left after the genesis supply.
  const market = m.contract("JobMarket", [
    token,
    treasury,
    deployer,
    {
      feeBps: m.getParameter("protocolFeeBps", JOULE_DEFAULTS.protocolFeeBps),
      verificationWindow: m.getParameter("verificationWindow", JOULE_DEFAULTS.verificationWindow),
      slashPayerShareBps: m.getParameter("slashPayerShareBps", JOULE_DEFAULTS.slashPayerShareBps),
      unbondingDelay: m.getParameter("unbondingDelay", JOULE_DEFAULTS.unbondingDelay),
      rewardGenesis: m.getParameter("rewardGenesis", JOULE_DEFAULTS.rewardGenesis),
      epochLength: m.getParameter("epochLength", JOULE_DEFAULTS.epochLength),
      initialEmission: m.getParameter("initialEmission", JOULE_DEFAULTS.initialEmission),
      halvingInterval: m.getParameter("halvingInterval", JOULE_DEFAULTS.halvingInterval),
    },
  ]);
  // Find the two contracts the market deployed, by reading single fields of `parameters()`.
  const marketView = m.contractAt("JobMarketParameters", MARKET_PARAMETERS_ARTIFACT, market, { id: "MarketView" });
  const registry = m.contractAt(
    "ProviderRegistry",
    m.staticCall(marketView, "parameters", [], "registry", { id: "registryAddress" }),
  );
  const emitter = m.contractAt(
    "RewardEmitter",
    m.staticCall(marketView, "parameters", [], "rewardEmitter", { id: "rewardEmitterAddress" }),
  );

  // Members must be given in strictly ascending address order (QuorumVerifier refuses anything else).
  const verifier = m.contract("QuorumVerifier", [
    m.getParameter<string[]>("verifierMembers", LOCAL_VERIFIERS),
    m.getParameter("verifierThreshold", JOULE_DEFAULTS.verifierThreshold),
  ]);

  // Wiring: the emitter becomes JOULE's only minter (set once, forever); the quorum judges jobs.
  m.call(token, "setMinter", [emitter]);
  m.call(market, "setAllowedVerifier", [verifier, true]);

  return { token, registry, emitter, market, verifier };
});
