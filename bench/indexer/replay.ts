// Records what the indexer reads from the Hardhat node — every log of the watched contracts and every block header
// — timing the node's eth_getLogs on the way, and replays it from a separate process (replay-server.ts) so a
// backfill can be measured without the node's log queries in the way.
import { fork, type ChildProcess } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Hex } from "viem";
import { QUORUM_CONFIGURED_TOPIC, TOPIC0S } from "../../indexer/sync/decode.ts";
import type { JsonRpc } from "./rpc.ts";

export type RecordedLog = {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  blockTimestamp?: string;
  transactionHash: string;
  transactionIndex: string;
  logIndex: string;
  removed: boolean;
};
export type RecordedHeader = { number: Hex; hash: Hex; parentHash: Hex; timestamp: Hex };
export type Recording = { chainId: number; headers: RecordedHeader[]; logs: RecordedLog[] };

export type NodeGetLogsFigure = {
  logs: number;
  calls: number;
  /** Average blocks per call. */
  blocksPerCall: number;
  seconds: number;
  logsPerSecond: number;
  /** Median wall time of one eth_getLogs call, ms. */
  medianCallMs: number;
};

/**
 * Reads every watched log from the node in ranges of about `targetLogs` logs (as the sync engine asks for them),
 * timing each eth_getLogs, then every block header.
 */
export async function recordChain(
  rpc: JsonRpc,
  addresses: string[],
  targetLogs: number,
): Promise<{ recording: Recording; getLogs: NodeGetLogsFigure }> {
  const chainId = Number(BigInt(await rpc.call<Hex>("eth_chainId")));
  const head = Number(BigInt(await rpc.call<Hex>("eth_blockNumber")));
  const topics = [[...TOPIC0S, QUORUM_CONFIGURED_TOPIC]];
  const logs: RecordedLog[] = [];
  const callMs: number[] = [];
  // Ranges adapt to about `targetLogs` logs per call, as the engine's LogFetcher does.
  let range = 10;
  const ranges: number[] = [];
  const started = performance.now();
  for (let from = 0; from <= head;) {
    const to = Math.min(head, from + range - 1);
    const t = performance.now();
    const part = await rpc.call<RecordedLog[]>("eth_getLogs", [
      { address: addresses, topics, fromBlock: `0x${from.toString(16)}`, toBlock: `0x${to.toString(16)}` },
    ]);
    callMs.push(performance.now() - t);
    ranges.push(to - from + 1);
    for (const l of part) logs.push(l);
    from = to + 1;
    range = Math.max(1, Math.min(range * 2, Math.floor((range * targetLogs) / Math.max(1, part.length))));
  }
  const seconds = (performance.now() - started) / 1000;
  const headers: RecordedHeader[] = [];
  for (let from = 0; from <= head; from += 200) {
    const numbers = [];
    for (let n = from; n <= Math.min(head, from + 199); n++) numbers.push(n);
    const blocks = await rpc.batch<RecordedHeader>(
      numbers.map((n) => ({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, false] })),
    );
    for (const b of blocks)
      headers.push({ number: b.number, hash: b.hash, parentHash: b.parentHash, timestamp: b.timestamp });
  }
  callMs.sort((a, b) => a - b);
  return {
    recording: { chainId, headers, logs },
    getLogs: {
      logs: logs.length,
      calls: callMs.length,
      blocksPerCall: Math.round(ranges.reduce((a, b) => a + b, 0) / Math.max(1, ranges.length)),
      seconds: Number(seconds.toFixed(2)),
      logsPerSecond: Math.round(logs.length / seconds),
      medianCallMs: Math.round(callMs[Math.floor(callMs.length / 2)] ?? 0),
    },
  };
}

/** What a backfill of a saved recording needs besides the recording: the deployment's treasury and head block. */
export type RecordingMeta = { treasury: string; head: number; targetLogsPerBatch: number };

/** Saves a recording, its deployment manifest and `meta` in `dir` (for bench/indexer-replay.ts). */
export async function saveRecording(
  dir: string,
  recording: Recording,
  manifestPath: string,
  meta: RecordingMeta,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "recording.json"), JSON.stringify(recording));
  await copyFile(manifestPath, join(dir, "deployment.json"));
  const { treasury, head, targetLogsPerBatch } = meta;
  await writeFile(
    join(dir, "meta.json"),
    JSON.stringify({ treasury, head, targetLogsPerBatch, events: recording.logs.length }),
  );
}

/** Reads what saveRecording wrote: the paths of the recording and manifest, and the meta. */
export async function loadRecording(
  dir: string,
): Promise<{ recordingPath: string; manifestPath: string; meta: RecordingMeta & { events: number } }> {
  const meta = JSON.parse(await readFile(join(dir, "meta.json"), "utf8")) as RecordingMeta & { events: number };
  return { recordingPath: join(dir, "recording.json"), manifestPath: join(dir, "deployment.json"), meta };
}

export type ReplayServer = { url: string; stop: () => void };

/** Writes the recording to `path` and serves it from a child process. */
export async function startReplay(recording: Recording, path: string): Promise<ReplayServer> {
  await writeFile(path, JSON.stringify(recording));
  return serveRecording(path);
}

/** Serves the recording saved at `path` from a child process. */
export async function serveRecording(path: string): Promise<ReplayServer> {
  const child: ChildProcess = fork(fileURLToPath(new URL("./replay-server.ts", import.meta.url)), [path], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve((m as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`the replay server exited with code ${code} before listening`)));
  });
  const kill = () => child.kill();
  process.once("exit", kill);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      process.removeListener("exit", kill);
      child.kill();
    },
  };
}
