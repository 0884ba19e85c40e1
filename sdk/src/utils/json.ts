/** JSON with bigints as decimal strings (what the CLI prints and signed bids/attestations travel as). */
export function toJson(value: unknown, space?: number): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), space);
}
