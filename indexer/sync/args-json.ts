// JSON of decoded event arguments for raw_events.args, apart from decode.ts so that the writer thread, which makes
// COPY text of JSON values (copy.ts), does not load viem and the ABIs.

export type Args = Record<string, unknown>;

/** JSON of one decoded value: bigints as decimal strings, NUL (which PostgreSQL text cannot hold) as U+FFFD. */
function valueJson(v: unknown): string {
  switch (typeof v) {
    case "bigint":
      return `"${v}"`;
    case "number":
    case "boolean":
      return String(v);
    case "string": {
      const json = JSON.stringify(v.includes("\u0000") ? v.replace(/\u0000/g, "\ufffd") : v);
      // Longer than its quotes around it: an escape was written (a backslash), which COPY text must double.
      if (json.length !== v.length + 2) escaped = true;
      return json;
    }
    default:
      if (v === null || v === undefined) return "null";
      if (Array.isArray(v)) return `[${v.map(valueJson).join(",")}]`;
      return argsJson(v as Args);
  }
}

/**
 * JSON for raw_events.args, written by hand (a JSON.stringify replacer costs a call per key, and this runs for
 * every event of a backfill). Same output as JSON.stringify with bigints as strings.
 */
export function argsJson(args: Args): string {
  let out = "{";
  for (const k in args) {
    if (args[k] === undefined) continue;
    out += `${out.length > 1 ? "," : ""}${keyJson(k)}${valueJson(args[k])}`;
  }
  return `${out}}`;
}

/** `"key":` of each key seen, made once: events have a few dozen argument names between them. */
const KEY_JSON = new Map<string, string>();
function keyJson(k: string): string {
  const cached = KEY_JSON.get(k);
  if (cached !== undefined) return cached;
  const json = `${JSON.stringify(k)}:`;
  // A key that needs an escape is not kept, so that each use reports it.
  if (json.length !== k.length + 3) escaped = true;
  // Bounded (arbitrary nested keys could come through here): past it, keys are serialised each time.
  else if (KEY_JSON.size < 1_000) KEY_JSON.set(k, json);
  return json;
}

/** Set when argsJson writes an escape: only then does its output hold a backslash. */
let escaped = false;

/**
 * argsJson as a COPY text value. JSON never leaves a tab, newline, carriage return or NUL unescaped, so only the
 * backslashes of its escapes need doubling, and there are none unless a string or key needed one: known as the
 * JSON is written, instead of searching every event's (~490 characters) for one.
 */
export function argsCopyJson(args: Args): string {
  escaped = false;
  const json = argsJson(args);
  return escaped ? json.replaceAll("\\", "\\\\") : json;
}
