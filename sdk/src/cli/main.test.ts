// The `joule` CLI spawned as a user would (`node sdk/src/cli/main.ts ...`) against a Hardhat node started
// here: outputs, --json, exit codes, progress on stderr, one-line errors, and keys that never leak.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { encryptKeystoreJson } from "ethers";
import { createPublicClient, createWalletClient, http, keccak256, parseEther, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { mockErc20Abi } from "../abi/bytecode.ts";
import { jouleTokenAbi } from "../abi/index.ts";
import { freePort, HARDHAT_KEYS, type LocalNode, startLocalNode } from "../testing/localNode.ts";

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
const [DEPLOYER, TENANT, PROVIDER, , , V5, V6, V7, KEEPER] = HARDHAT_KEYS;
const addr = (key: `0x${string}`) => privateKeyToAccount(key).address;

let node: LocalNode;
let dir: string;
let manifest: string;
/** Everything the CLI printed, to check no key ever appears. */
const printed: string[] = [];

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs `joule <args>` with `key` as JOULE_PRIVATE_KEY (or none), like a user's shell would. */
function joule(
  args: string[],
  options: { key?: `0x${string}` | null; env?: Record<string, string> } = {},
): Promise<Run> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? dir,
    JOULE_RPC_URL: node.url,
    JOULE_MANIFEST: manifest,
    ...options.env,
  };
  const key = options.key === undefined ? TENANT : options.key;
  if (key) env.JOULE_PRIVATE_KEY = key;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => {
      printed.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A failed run: the expected exit code and exactly one line on stderr, no stack trace. */
function assertFails(run: Run, code: number, message: RegExp) {
  assert.equal(run.code, code, `exit code (stderr: ${run.stderr})`);
  const lines = run.stderr
    .trim()
    .split("\n")
    .filter((l) => !l.startsWith("… "));
  assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0]!, /^error: /);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
}

const json = (run: Run) => {
  assert.equal(run.code, 0, `expected success, stderr: ${run.stderr}`);
  return JSON.parse(run.stdout);
};

before(async () => {
  node = await startLocalNode();
  dir = await mkdtemp(join(tmpdir(), "joule-cli-"));
  manifest = join(dir, "joule.manifest.json");
});
after(async () => {
  await node?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("joule CLI", () => {
  it("prints help and version", async () => {
    const help = await joule(["--help"], { key: null });
    assert.equal(help.code, 0);
    for (const cmd of [
      "deploy",
      "job",
      "bid",
      "prove",
      "attest",
      "settle",
      "withdraw",
      "claim",
      "provider",
      "indexer",
    ]) {
      assert.match(help.stdout, new RegExp(`\\n  ${cmd}\\b`));
    }
    const jobHelp = await joule(["job", "--help"], { key: null });
    for (const sub of ["create", "cancel", "show", "list", "accept", "award", "expire"])
      assert.match(jobHelp.stdout, new RegExp(`\\n  ${sub}\\b`));
    const version = await joule(["--version"], { key: null });
    assert.equal(version.stdout.trim(), "0.1.0");
  });

  it("deploy writes the manifest, reports progress on stderr and refuses to overwrite it", async () => {
    const run = await joule(
      ["deploy", "--verifiers", [V5, V6, V7].map(addr).join(","), "--threshold", "2", "--mock-token", "--json"],
      { key: DEPLOYER },
    );
    const out = json(run);
    assert.equal(out.chainId, 31337);
    assert.equal(out.manifest, manifest);
    const written = JSON.parse(await readFile(manifest, "utf8"));
    assert.deepEqual(written, { chainId: out.chainId, addresses: out.addresses, startBlock: out.startBlock });
    assert.match(run.stderr, /deploying JouleToken/);
    assert.match(run.stderr, /deploying JobMarket/);

    assertFails(await joule(["deploy", "--mock-token"], { key: DEPLOYER }), 2, /exists; pass --force to overwrite it/);

    // Fund the cast for the next tests: mUSD for the tenant, JOULE for the provider.
    const transport = http(node.url);
    const publicClient = createPublicClient({ chain: hardhat, transport });
    const deployer = createWalletClient({ account: privateKeyToAccount(DEPLOYER), chain: hardhat, transport });
    for (const hash of [
      await deployer.writeContract({
        address: out.addresses.paymentToken,
        abi: mockErc20Abi,
        functionName: "mint",
        args: [addr(TENANT), 1_000_000n * 10n ** 6n],
      }),
      await deployer.writeContract({
        address: out.addresses.jouleToken,
        abi: jouleTokenAbi,
        functionName: "transfer",
        args: [addr(PROVIDER), parseEther("10000")],
      }),
    ]) {
      await publicClient.waitForTransactionReceipt({ hash });
    }
  });

  it("provider register, stake, unstake and status", async () => {
    const reg = await joule(
      [
        "provider",
        "register",
        "--gpu-class",
        "3",
        "--gpu-count",
        "8",
        "--vram",
        "80",
        "--carbon",
        "120",
        "--region",
        "eu-west",
      ],
      { key: PROVIDER },
    );
    assert.equal(reg.code, 0, reg.stderr);
    assert.match(reg.stdout, new RegExp(`^Registered provider ${addr(PROVIDER)}\\n  tx 0x[0-9a-f]{64}\\n$`));
    const staked = await joule(["provider", "stake", "5000"], { key: PROVIDER });
    assert.match(staked.stdout, /^Staked 5000 JOULE; total stake 5000 JOULE/);
    const unbond = await joule(["provider", "unstake", "100", "--json"], { key: PROVIDER });
    assert.equal(json(unbond).unbonding, "100000000000000000000");
    const status = json(await joule(["provider", "status", addr(PROVIDER), "--json"], { key: null }));
    assert.equal(status.registered, true);
    assert.equal(status.stake, "5000000000000000000000");
    assert.equal(status.freeStake, "4900000000000000000000");
    assert.equal(status.profile.region, "eu-west");
    const text = await joule(["provider", "status"], { key: PROVIDER });
    assert.match(text.stdout, /hardware {3}8 × class 3, 80 GB; 120 gCO2e\/kWh; eu-west/);
  });

  it("job create, show, bid place, award (too early), list", async () => {
    const created = json(
      await joule([
        "job",
        "create",
        "--max-units",
        "3600",
        "--max-price",
        "0.001",
        "--collateral",
        "1000",
        "--bidding",
        "1h",
        "--spec",
        "llama-finetune",
        "--min-vram",
        "24",
        "--json",
      ]),
    );
    assert.equal(created.jobId, "1");
    assert.equal(created.funded, "3600000");
    assert.equal(created.params.request.specHash, keccak256(stringToHex("llama-finetune")));
    assert.equal(created.params.request.requirements.minVramGb, 24);

    const show = await joule(["job", "show", "1"], { key: null });
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^Job 1 — Open\n/);
    assert.match(show.stdout, /max units {7}3600 at up to 0\.001 mUSD\/unit/);
    assert.match(show.stdout, /escrow {10}3\.6 mUSD/);

    const bid = await joule(["bid", "place", "1", "--price", "0.0008"], { key: PROVIDER });
    assert.equal(bid.code, 0, bid.stderr);
    assert.match(bid.stdout, /^Best bid on job 1: 0\.0008 mUSD\/unit\n/);

    assertFails(
      await joule(["job", "award", "1"], { key: KEEPER }),
      1,
      /^error: BiddingNotEnded: bidding on job 1 runs until \d{4}-\d\d-\d\dT/,
    );

    const listed = json(await joule(["job", "list", "--json"], { key: null }));
    assert.deepEqual(
      listed.map((j: { jobId: string; status: string }) => [j.jobId, j.status]),
      [["1", "Open"]],
    );
  });

  it("signed bid, proof, attestations (one from a keystore), settle, withdraw", async () => {
    json(
      await joule([
        "job",
        "create",
        "--max-units",
        "3600",
        "--max-price",
        "0.001",
        "--spec-hash",
        keccak256(stringToHex("job2")),
        "--json",
      ]),
    );
    const bidFile = join(dir, "bid.json");
    const signed = await joule(["bid", "sign", "2", "--price", "0.0007", "--expiry", "10m", "--out", bidFile], {
      key: PROVIDER,
    });
    assert.equal(signed.code, 0, signed.stderr);
    assert.match(signed.stdout, /^Signed bid on job 2 at 0\.0007 mUSD\/unit, valid until/);
    const bid = JSON.parse(await readFile(bidFile, "utf8"));
    assert.equal(bid.bid.pricePerUnit, "700");
    assert.equal(bid.bid.provider, addr(PROVIDER));

    const accepted = await joule(["job", "accept", bidFile]);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stdout, new RegExp(`^Job 2 assigned to ${addr(PROVIDER)} at 0\\.0007 mUSD/unit\\n`));

    const root = keccak256(stringToHex("checkpoints"));
    const proved = json(
      await joule(["prove", "2", "--result-root", root, "--units", "3000", "--energy-wh", "450", "--json"], {
        key: PROVIDER,
      }),
    );
    assert.equal(proved.milestone, 0);

    // Verifier 5 signs with JOULE_PRIVATE_KEY; verifier 6 from an encrypted keystore.
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    assert.equal((await joule(["attest", "2", "--accept", "--out", a], { key: V5 })).code, 0);
    const keystore = join(dir, "verifier6.json");
    await writeFile(
      keystore,
      await encryptKeystoreJson({ address: addr(V6), privateKey: V6 }, "correct horse", { scrypt: { N: 1024 } }),
    );
    const viaKeystore = await joule(["attest", "2", "--accept", "--out", b, "--keystore", keystore], {
      key: null,
      env: { JOULE_KEYSTORE_PASSWORD: "correct horse" },
    });
    assert.equal(viaKeystore.code, 0, viaKeystore.stderr);
    assert.match(
      viaKeystore.stdout,
      new RegExp(`^Accepted job 2 milestone 0 \\(3000 units\\) as ${addr(V6)}: written to `),
    );
    assert.equal(JSON.parse(await readFile(a, "utf8")).attestation.resultRoot, root);

    const settled = json(await joule(["settle", a, b, "--json"], { key: KEEPER }));
    assert.equal(settled.settled.payment, "2100000");
    assert.equal(settled.settled.fee, "52500");
    assert.equal(settled.closed.status, "Completed");
    assert.equal(settled.closed.refunded, String(600n * 700n));

    const withdrawn = json(await joule(["withdraw", "--json"], { key: PROVIDER }));
    assert.equal(withdrawn.amount, "2047500");
    assert.equal(withdrawn.remaining, "0");
    const balances = json(await joule(["balances", "--json"], { key: PROVIDER }));
    assert.equal(balances.balances[0].wallet, "2047500");
    // Nothing left to claim (the reward epoch has not ended): refused before sending.
    assertFails(await joule(["claim"], { key: PROVIDER }), 2, /nothing to claim/);

    const open = json(await joule(["job", "list", "--status", "open", "--json"], { key: null }));
    assert.deepEqual(
      open.map((j: { jobId: string }) => j.jobId),
      ["1"],
    );
    const cancelled = await joule(["job", "cancel", "1"]);
    assert.match(cancelled.stdout, /^Job 1 is Cancelled \(CancelledByTenant\)\n {2}refunded {3}3\.6 mUSD to the payer/);
  });

  it("bad input: one line on stderr and exit code 2", async () => {
    assertFails(
      await joule(["job", "create", "--max-units", "0", "--max-price", "0.001", "--spec", "x"]),
      2,
      /^error: Invalid --max-units: must be at least 1 \(got 0\)$/,
    );
    assertFails(
      await joule(["job", "create", "--max-units", "10", "--max-price", "abc", "--spec", "x"]),
      2,
      /^error: Invalid --max-price: not an amount: "abc"/,
    );
    assertFails(
      await joule(["job", "create", "--max-units", "10", "--max-price", "0.001"]),
      2,
      /the workload spec is required/,
    );
    assertFails(
      await joule(["job", "create", "--max-units", "10", "--max-price", "0.001", "--spec", "x", "--bidding", "40d"]),
      2,
      /^error: Invalid biddingEnd: must be at most 2592000s ahead/,
    );
    assertFails(
      await joule(["job", "create", "--max-price", "0.001"]),
      2,
      /required option '--max-units <n>' not specified/,
    );
    assertFails(
      await joule(["bid", "place", "2", "--price", "0.002"], { key: PROVIDER }),
      2,
      /^error: Invalid pricePerUnit: 2000 is above job 2's maximum of 1000$/,
    );
    assertFails(
      await joule(["job", "show", "x1"], { key: null }),
      2,
      /^error: Invalid jobId: not a whole number: "x1"$/,
    );
    assertFails(await joule(["job", "frobnicate"], { key: null }), 2, /unknown command 'frobnicate'/);
    assertFails(
      await joule(["attest", "2", "--accept", "--reject"], { key: V5 }),
      2,
      /exactly one of --accept and --reject/,
    );
    assertFails(await joule(["job", "show", "99"], { key: null }), 1, /^error: Job 99 not found/);
    assertFails(
      await joule(["indexer"], { key: null, env: { JOULE_INDEXER_DIR: join(dir, "no-indexer") } }),
      2,
      /^error: indexer: indexer not installed: .*no-indexer\/sync\/service\.ts is missing/,
    );
  });

  it("configuration errors name the variable and never print the key", async () => {
    assertFails(await joule(["job", "cancel", "1"], { key: null }), 2, /^error: JOULE_PRIVATE_KEY: is not set/);
    const badKey = `0x${"zz".repeat(32)}`;
    const bad = await joule(["job", "cancel", "1"], { key: badKey as `0x${string}` });
    assertFails(bad, 2, /^error: JOULE_PRIVATE_KEY: must be 32 bytes of hex/);
    assert.ok(!bad.stderr.includes(badKey));
    const keystore = join(dir, "verifier6.json");
    assertFails(
      await joule(["attest", "2", "--accept", "--keystore", keystore], {
        key: null,
        env: { JOULE_KEYSTORE_PASSWORD: "wrong" },
      }),
      2,
      /^error: JOULE_KEYSTORE_PASSWORD: cannot decrypt .* \(wrong password\?\)$/,
    );
    assertFails(
      await joule(["attest", "2", "--accept", "--keystore", keystore], { key: null }),
      2,
      /^error: JOULE_KEYSTORE_PASSWORD: is not set/,
    );
    assertFails(
      await joule(["job", "show", "1", "--manifest", join(dir, "missing.json")], { key: null }),
      2,
      /^error: manifest: .*missing\.json does not exist/,
    );
    assertFails(
      await joule(["job", "show", "1"], { key: null, env: { JOULE_RPC_URL: "ftp://x" } }),
      2,
      /^error: JOULE_RPC_URL: must be an http\(s\) or ws\(s\) URL/,
    );
    const down = await joule(["job", "show", "1", "--rpc-url", `http://127.0.0.1:${await freePort()}`], { key: null });
    assertFails(down, 1, /^error: RPC request failed/);

    for (const key of HARDHAT_KEYS) {
      assert.ok(!printed.some((p) => p.includes(key.slice(2))), "a private key was printed");
    }
  });
});
