// Network and energy statistics and provider leaderboards, with exact expected figures.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TOKEN, addr, jobRow, providerRow, startHarness, type Harness } from "./test-helpers.ts";

const TOKEN_B = addr(0x71);
const [P1, P2, P3] = [addr(1), addr(2), addr(3)];
let h: Harness;

before(async () => {
  h = await startHarness();
  await h.prisma.provider.createMany({
    data: [
      // 2 GPU-hours on 1 kWh at 400 g/kWh.
      providerRow(1, {
        units: "7200",
        energyWh: "1000",
        co2eMg: "400000",
        jobsCompleted: 3,
        stake: "100",
        locked: "10",
        slashedTotal: "1",
      }),
      // 1 GPU-hour on 2 kWh at 50 g/kWh.
      providerRow(2, {
        units: "3600",
        energyWh: "2000",
        co2eMg: "100000",
        jobsCompleted: 5,
        stake: "200",
        locked: "20",
      }),
      // Most work, but only 0.5 kWh measured: below the default efficiency threshold of 1 kWh.
      providerRow(3, {
        units: "36000",
        energyWh: "500",
        co2eMg: "50000",
        jobsCompleted: 3,
        stake: "300",
      }),
      providerRow(4, { registered: false, stake: "0" }),
    ],
  });
  await h.prisma.providerEarning.createMany({
    data: [
      {
        provider: P1,
        token: TOKEN,
        earned: "5000",
        fees: "50",
        payments: 2,
        updatedBlock: 1n,
      },
      {
        provider: P2,
        token: TOKEN,
        earned: "5000",
        fees: "50",
        payments: 1,
        updatedBlock: 1n,
      },
      {
        provider: P3,
        token: TOKEN_B,
        earned: "9999",
        fees: "1",
        payments: 1,
        updatedBlock: 1n,
      },
    ],
  });
  await h.prisma.job.createMany({
    data: [
      jobRow(1, {
        status: "COMPLETED",
        provider: P1,
        units: "3600",
        energyWh: "1500",
        co2eMg: "600000",
      }),
      jobRow(2, { status: "COMPLETED", provider: P2 }),
      jobRow(3, { status: "ASSIGNED", provider: P3 }),
      jobRow(4, { status: "OPEN" }),
      jobRow(5, { status: "FAILED", provider: P1 }),
    ],
  });
  await h.prisma.rewardEpoch.createMany({
    data: [
      {
        epoch: 0n,
        units: "10800",
        emission: "1000",
        minted: "600",
        providers: 2,
        claims: 1,
        updatedBlock: 1n,
      },
      {
        epoch: 1n,
        units: "36000",
        emission: "1000",
        minted: "0",
        providers: 1,
        claims: 0,
        updatedBlock: 1n,
      },
    ],
  });
  await h.prisma.dailyStat.createMany({
    data: ["2026-01-01", "2026-01-02", "2026-01-03"].map((day, i) => ({
      day: new Date(`${day}T00:00:00Z`),
      jobsCreated: i + 1,
      units: String(3600 * (i + 1)),
      energyWh: String(1000 * (i + 1)),
      co2eMg: String(100_000 * (i + 1)),
      updatedBlock: 1n,
    })),
  });
  await h.prisma.dailyTokenStat.create({
    data: {
      day: new Date("2026-01-02T00:00:00Z"),
      token: TOKEN,
      funded: "777",
      updatedBlock: 1n,
    },
  });
  await h.prisma.token.createMany({
    data: [
      {
        address: TOKEN,
        allowed: true,
        jobsCreated: 5,
        funded: "18000000",
        updatedBlock: 1n,
      },
      { address: TOKEN_B, allowed: false, updatedBlock: 1n },
    ],
  });
});

after(async () => {
  await h?.close();
});

const ENERGY = `energy { units gpuHours energyWh kWh co2eMg gCO2e unitsPerKWh gpuHoursPerKWh gCO2ePerGpuHour carbonIntensity }`;

describe("energy", () => {
  test("per job: GPU-hours, kWh, gCO2e and work per kWh", async () => {
    const r = await h.gql(`{ job(id: "1") { ${ENERGY} } }`);
    assert.deepEqual(r.data.job.energy, {
      units: "3600",
      gpuHours: 1,
      energyWh: "1500",
      kWh: 1.5,
      co2eMg: "600000",
      gCO2e: 600,
      unitsPerKWh: 2400,
      gpuHoursPerKWh: 1 / 1.5,
      gCO2ePerGpuHour: 600,
      carbonIntensity: 400,
    });
  });

  test("a job without verified work has zero energy and no ratios", async () => {
    const r = await h.gql(`{ job(id: "4") { ${ENERGY} } }`);
    assert.deepEqual(r.data.job.energy, {
      units: "0",
      gpuHours: 0,
      energyWh: "0",
      kWh: 0,
      co2eMg: "0",
      gCO2e: 0,
      unitsPerKWh: null,
      gpuHoursPerKWh: null,
      gCO2ePerGpuHour: null,
      carbonIntensity: null,
    });
  });

  test("per provider and per day", async () => {
    const r = await h.gql(`{
      provider(address: "${P2}") { energy { gpuHours kWh gCO2e unitsPerKWh carbonIntensity } }
      dailyStats(orderBy: [{ field: day, direction: DESC }], first: 2) { totalCount nodes { day jobsCreated energy { kWh gCO2e } tokens { token funded } } }
    }`);
    assert.deepEqual(r.data.provider.energy, {
      gpuHours: 1,
      kWh: 2,
      gCO2e: 100,
      unitsPerKWh: 1800,
      carbonIntensity: 50,
    });
    assert.deepEqual(r.data.dailyStats, {
      totalCount: 3,
      nodes: [
        {
          day: "2026-01-03",
          jobsCreated: 3,
          energy: { kWh: 3, gCO2e: 300 },
          tokens: [],
        },
        {
          day: "2026-01-02",
          jobsCreated: 2,
          energy: { kWh: 2, gCO2e: 200 },
          tokens: [{ token: TOKEN, funded: "777" }],
        },
      ],
    });
    const range = await h.gql(
      `{ dailyStats(where: { day: { gte: "2026-01-02", lte: "2026-01-02" } }) { nodes { day } } }`,
    );
    assert.deepEqual(range.data.dailyStats.nodes, [{ day: "2026-01-02" }]);
  });

  test("network totals", async () => {
    const r = await h.gql(`{ networkStats {
      jobs { total open assigned completed cancelled expired failed }
      providers { total registered withVerifiedWork }
      ${ENERGY}
      stake locked slashed rewardsClaimed
      rewards { epochs units emission minted }
      tokens { address allowed funded }
    } }`);
    assert.equal(r.errors, undefined);
    const s = r.data.networkStats;
    assert.deepEqual(s.jobs, {
      total: 5,
      open: 1,
      assigned: 1,
      completed: 2,
      cancelled: 0,
      expired: 0,
      failed: 1,
    });
    assert.deepEqual(s.providers, {
      total: 4,
      registered: 3,
      withVerifiedWork: 3,
    });
    assert.deepEqual(s.energy, {
      units: "46800",
      gpuHours: 13,
      energyWh: "3500",
      kWh: 3.5,
      co2eMg: "550000",
      gCO2e: 550,
      unitsPerKWh: 46800 / 3.5,
      gpuHoursPerKWh: 13 / 3.5,
      gCO2ePerGpuHour: 550 / 13,
      carbonIntensity: 550000 / 3500,
    });
    assert.deepEqual([s.stake, s.locked, s.slashed, s.rewardsClaimed], ["600", "30", "1", "0"]);
    assert.deepEqual(s.rewards, {
      epochs: 2,
      units: "46800",
      emission: "2000",
      minted: "600",
    });
    assert.deepEqual(s.tokens, [
      { address: TOKEN, allowed: true, funded: "18000000" },
      { address: TOKEN_B, allowed: false, funded: "0" },
    ]);
  });
});

describe("leaderboards", () => {
  const board = async (args: string) => {
    const r = await h.gql(`{ leaderboard(${args}) { rank value exactValue provider { address } } }`);
    assert.equal(r.errors, undefined, JSON.stringify(r.errors));
    return r.data.leaderboard.map((e: any) => [e.rank, e.provider.address, e.value, e.exactValue]);
  };

  test("by verified units", async () => {
    assert.deepEqual(await board(`metric: UNITS`), [
      [1, P3, 36000, "36000"],
      [2, P1, 7200, "7200"],
      [3, P2, 3600, "3600"],
    ]);
  });

  test("by completed jobs, ties broken by address", async () => {
    assert.deepEqual(await board(`metric: COMPLETED_JOBS, first: 2`), [
      [1, P2, 5, "5"],
      [2, P1, 3, "3"],
    ]);
  });

  test("by earnings in one token", async () => {
    assert.deepEqual(await board(`metric: EARNINGS, token: "${TOKEN}"`), [
      [1, P1, 5000, "5000"],
      [2, P2, 5000, "5000"],
    ]);
    assert.deepEqual(await board(`metric: EARNINGS, token: "${TOKEN_B}"`), [[1, P3, 9999, "9999"]]);
    const noToken = await h.gql(`{ leaderboard(metric: EARNINGS) { rank } }`);
    assert.equal(noToken.errors?.[0]?.extensions?.code, "BAD_USER_INPUT");
    assert.match(noToken.errors![0]!.message, /token/);
  });

  test("by energy efficiency (work per kWh), above a minimum of measured energy", async () => {
    assert.deepEqual(await board(`metric: ENERGY_EFFICIENCY`), [
      [1, P1, 7200, null],
      [2, P2, 1800, null],
    ]);
    assert.deepEqual(await board(`metric: ENERGY_EFFICIENCY, minEnergyWh: "1"`), [
      [1, P3, 72000, null],
      [2, P1, 7200, null],
      [3, P2, 1800, null],
    ]);
  });
});
