// Backfill benchmark from a saved recording: the replay part of `npm run bench:indexer`, without generating the chain
// (which takes minutes) each time. Save one first with `npm run bench:indexer -- --keep-recording DIR`, then
//
//   npm run bench:indexer:replay -- DIR [--runs 3]
//
// Each run backfills into a fresh database (dropped after it) with the sync process as operators run it, from the
// recording served by a separate process. Prints every run and the median by time; writes
// bench/results/indexer-replay.json (kept apart from indexer.json, which only the full benchmark writes).
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { createTestDatabase } from "../indexer/db/testdb.ts";
import { describeBackfill, measureBackfill, type BackfillFigure } from "./indexer/backfill.ts";
import { loadRecording, serveRecording } from "./indexer/replay.ts";
import { fmt } from "./indexer/report.ts";
import { loadAverage } from "./indexer/system.ts";

const log = (line: string) => process.stdout.write(`${line}\n`);

function options() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { runs: { type: "string", default: "3" } },
  });
  const runs = Number(values.runs);
  if (positionals.length !== 1 || !Number.isInteger(runs) || runs < 1) return undefined;
  return { dir: positionals[0]!, runs };
}

async function main(): Promise<number> {
  const opts = options();
  if (!opts) {
    process.stderr.write(
      "usage: npm run bench:indexer:replay -- DIR [--runs N ≥ 1]  (DIR from bench:indexer --keep-recording)\n",
    );
    return 2;
  }
  let saved: Awaited<ReturnType<typeof loadRecording>>;
  try {
    saved = await loadRecording(opts.dir);
  } catch (error) {
    process.stderr.write(`bench:indexer:replay: no saved recording in ${opts.dir} (${(error as Error).message})\n`);
    return 2;
  }
  const { meta } = saved;
  log(
    `replaying ${fmt(meta.events)} events (blocks up to ${meta.head}) from ${opts.dir}; ${cpus().length} CPUs, load ${loadAverage().join(" ")}`,
  );
  const replay = await serveRecording(saved.recordingPath);
  const runs: BackfillFigure[] = [];
  try {
    for (let run = 1; run <= opts.runs; run++) {
      const db = await createTestDatabase({ prefix: "joule_bench" });
      try {
        const figure = await measureBackfill(
          {
            source: "replay of a saved recording, served by a separate process",
            rpcUrl: replay.url,
            databaseUrl: db.url,
            manifestPath: saved.manifestPath,
            treasury: meta.treasury,
            head: meta.head,
            targetLogsPerBatch: meta.targetLogsPerBatch,
          },
          log,
        );
        log(`run ${run}/${opts.runs}: ${describeBackfill(figure)}`);
        runs.push(figure);
      } finally {
        await db.drop();
      }
    }
  } finally {
    replay.stop();
  }
  const median = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor((runs.length - 1) / 2)]!;
  log(`median of ${runs.length}: ${median.seconds} s → ${fmt(median.eventsPerSecond)} events/s`);
  const incomplete = runs.filter((f) => f.events !== meta.events);
  for (const f of incomplete) log(`PROBLEM: a run indexed ${f.events} of ${meta.events} events`);
  await mkdir("bench/results", { recursive: true });
  await writeFile(
    "bench/results/indexer-replay.json",
    `${JSON.stringify({ measuredAt: new Date().toISOString(), recording: opts.dir, backfill: { events: median.events, seconds: median.seconds, eventsPerSecond: median.eventsPerSecond }, runs }, null, 2)}\n`,
  );
  log("wrote bench/results/indexer-replay.json");
  return incomplete.length > 0 ? 1 : 0;
}

process.exitCode = await main();
