// The benchmark's table: each figure beside its target (issue #4), and whether it is met.

export type Row = { metric: string; value: string; target?: string; met?: boolean };

export function table(rows: readonly Row[]): string {
  const cells = rows.map((r) => [r.metric, r.value, r.target ?? "", r.met === undefined ? "" : r.met ? "yes" : "NO"]);
  const header = ["metric", "measured", "target", "met"];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}

export const fmt = (n: number) => n.toLocaleString("en-US");
