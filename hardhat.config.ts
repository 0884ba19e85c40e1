import { createRequire } from "node:module";
import hardhatToolboxViem from "@nomicfoundation/hardhat-toolbox-viem";
import { defineConfig } from "hardhat/config";

// solc's official WebAssembly build from the npm package: compiles offline, no download.
const require = createRequire(import.meta.url);
const SOLC_VERSION = "0.8.37";
const soljson = require.resolve("solc/soljson.js");

const compiler = {
  version: SOLC_VERSION,
  path: soljson,
  settings: { optimizer: { enabled: true, runs: 200 }, viaIR: true, evmVersion: "cancun" },
};

// CI and local runs use the same depth; FUZZ_RUNS / INVARIANT_* raise it for a deep soak.
const fuzzRuns = Number(process.env.FUZZ_RUNS ?? 256);
const invariantRuns = Number(process.env.INVARIANT_RUNS ?? 64);
const invariantDepth = Number(process.env.INVARIANT_DEPTH ?? 64);

export default defineConfig({
  plugins: [hardhatToolboxViem],
  solidity: {
    profiles: {
      default: compiler,
      production: compiler,
    },
  },
  paths: {
    tests: { solidity: "./test", nodejs: "./test" },
  },
  test: {
    solidity: {
      fuzz: { runs: fuzzRuns },
      invariant: { runs: invariantRuns, depth: invariantDepth, failOnRevert: false },
    },
  },
  networks: {
    localhost: { type: "http", chainType: "l1", url: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
  },
});
