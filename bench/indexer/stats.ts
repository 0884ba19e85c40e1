// Percentiles by nearest rank (the value below which p% of the samples fall), rounded for reporting.

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export const round1 = (x: number) => Math.round(x * 10) / 10;

export function summarize(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / Math.max(1, sorted.length);
  return {
    count: sorted.length,
    min: round1(sorted[0] ?? Number.NaN),
    p50: round1(percentile(sorted, 50)),
    p90: round1(percentile(sorted, 90)),
    p95: round1(percentile(sorted, 95)),
    p99: round1(percentile(sorted, 99)),
    max: round1(sorted[sorted.length - 1] ?? Number.NaN),
    mean: round1(mean),
  };
}
