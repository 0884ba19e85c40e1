/**
 * Test support for the API tests: a fresh migrated database, rows inserted directly
 * through Prisma with realistic defaults, a GraphQL client and an SSE reader.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, type Prisma } from "../generated/prisma/client.ts";
import { createTestDatabase, type TestDatabase } from "../db/testdb.ts";
import { createMetrics, type IndexerMetrics } from "../metrics.ts";
import { startApi, type ApiOptions, type ApiServer } from "./server.ts";

export const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;
export const hash = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
export const TOKEN = addr(0x70);
export const VERIFIER = addr(0x7e);
export const TENANT = addr(0x7a);
export const T0 = new Date("2026-01-01T00:00:00Z");
export const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

export interface Harness {
  database: TestDatabase;
  prisma: PrismaClient;
  api: ApiServer;
  metrics: IndexerMetrics;
  /** SQL statements the API sent, in order (reset freely). */
  queries: string[];
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>>;
  close(): Promise<void>;
}

export interface GqlResponse<T> {
  status: number;
  data?: T;
  errors?: Array<{
    message: string;
    extensions?: Record<string, unknown>;
    path?: unknown[];
  }>;
}

export async function startHarness(options: Partial<ApiOptions> = {}): Promise<Harness> {
  const database = await createTestDatabase({ prefix: "joule_api" });
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: database.url }),
  });
  const queries: string[] = [];
  const metrics = createMetrics();
  let api: ApiServer;
  try {
    api = await startApi({
      databaseUrl: database.url,
      port: 0,
      metrics,
      onQuery: (sql) => queries.push(sql),
      ...options,
    });
  } catch (error) {
    await prisma.$disconnect();
    await database.drop();
    throw error;
  }
  const gql = async <T>(query: string, variables?: Record<string, unknown>): Promise<GqlResponse<T>> => {
    const res = await fetch(`${api.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({ query, variables }),
    });
    return {
      status: res.status,
      ...((await res.json()) as object),
    } as GqlResponse<T>;
  };
  return {
    database,
    prisma,
    api,
    metrics,
    queries,
    gql,
    async close() {
      await api.close();
      await prisma.$disconnect();
      await database.drop();
    },
  };
}

// ───────────────────────────── Row factories ─────────────────────────────

export function providerRow(
  n: number,
  overrides: Partial<Prisma.ProviderCreateManyInput> = {},
): Prisma.ProviderCreateManyInput {
  return {
    address: addr(n),
    registered: true,
    gpuClass: 3,
    gpuCount: 8,
    vramGb: 80n,
    carbonIntensity: 400n,
    registeredAt: at(0),
    registeredBlock: 1n,
    stake: "1000000000000000000000",
    updatedAt: at(0),
    updatedBlock: 1n,
    ...overrides,
  };
}

export function jobRow(id: number, overrides: Partial<Prisma.JobCreateManyInput> = {}): Prisma.JobCreateManyInput {
  return {
    id: String(id),
    tenant: TENANT,
    payer: TENANT,
    feeBps: 100,
    verificationWindow: 3600n,
    token: TOKEN,
    verifier: VERIFIER,
    specHash: hash(id),
    maxUnits: "3600",
    maxPricePerUnit: "1000",
    collateral: "500",
    biddingEnd: 1_800_000_000n,
    deliveryWindow: 86_400n,
    milestones: 2,
    minGpuClass: 0,
    minGpuCount: 0,
    minVramGb: 0n,
    maxCarbonIntensity: 0n,
    funded: "3600000",
    status: "OPEN",
    escrow: "3600000",
    createdAt: at(id),
    createdBlock: BigInt(10 + id),
    createdTx: hash(0x1000 + id),
    updatedAt: at(id),
    updatedBlock: BigInt(10 + id),
    ...overrides,
  };
}

let logCounter = 0;
/** Event position fields for history rows. */
export function position(block: number, overrides: { logIndex?: number } = {}) {
  const logIndex = overrides.logIndex ?? logCounter++;
  const txHash = hash(0x5000 + block * 1000 + logIndex);
  return {
    id: `${txHash}-${logIndex}`,
    blockNumber: BigInt(block),
    logIndex: BigInt(logIndex),
    txHash,
    timestamp: at(block),
  };
}

export async function setCheckpoint(
  prisma: PrismaClient,
  block: number,
  head: number | null,
  options: { chainId?: number; headUpdatedAt?: Date | null } = {},
): Promise<void> {
  const chainId = options.chainId ?? 31337;
  const data = {
    headUpdatedAt: options.headUpdatedAt ?? null,
    blockNumber: BigInt(block),
    blockHash: hash(0xb000 + block),
    blockTimestamp: at(block),
    safeBlockNumber: BigInt(Math.max(0, block - 2)),
    headBlockNumber: head === null ? null : BigInt(head),
    updatedAt: new Date(),
  };
  await prisma.checkpoint.upsert({
    where: { chainId },
    create: { chainId, ...data },
    update: data,
  });
}

// ───────────────────────────── SSE ─────────────────────────────

export interface SseSubscription {
  /** Resolves with the next `next` event's payload (rejects after `timeoutMs`). */
  next(timeoutMs?: number): Promise<any>;
  close(): void;
}

/** Opens a GraphQL subscription over SSE (Yoga's distinct-connection mode). */
export async function subscribe(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<SseSubscription> {
  const controller = new AbortController();
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "text/event-stream",
    },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  if (!res.ok || !res.body) throw new Error(`subscription failed: HTTP ${res.status} ${await res.text()}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const events: any[] = [];
  const waiters: Array<(value: any) => void> = [];
  let buffer = "";
  let failure: Error | null = null;
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let sep: number;
        while ((sep = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, sep);
          buffer = buffer.slice(sep + 2);
          const lines = block.split("\n");
          const event = lines
            .find((l) => l.startsWith("event:"))
            ?.slice(6)
            .trim();
          const data = lines
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trim())
            .join("\n");
          if (event !== "next" || !data) continue;
          const payload = JSON.parse(data);
          const waiter = waiters.shift();
          if (waiter) waiter(payload);
          else events.push(payload);
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) failure = error as Error;
    }
  })();
  return {
    next(timeoutMs = 5_000) {
      if (failure) return Promise.reject(failure);
      if (events.length > 0) return Promise.resolve(events.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(wrapped);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no subscription event within ${timeoutMs} ms`));
        }, timeoutMs);
        const wrapped = (value: any) => {
          clearTimeout(timer);
          resolve(value);
        };
        waiters.push(wrapped);
      });
    },
    close() {
      controller.abort();
    },
  };
}
