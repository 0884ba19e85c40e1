// JSON of decoded event arguments for raw_events.args, apart from decode.ts so that the writer thread, which makes
// COPY text of JSON values (copy.ts), does not load viem and the ABIs.

export type Args = Record<string, unknown>;

/** JSON of one decoded value: bigints as decimal strings, NUL (which PostgreSQL text cannot hold) as U+FFFD. */
export function valueJson(v: unknown): string {
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

/**
 * How one argument of an event is written, from its ABI type: hex text the decoder made (address, bytesN: nothing
 * to escape), a bool, an unsigned integer (a number or a bigint), a struct of such, or anything else (valueJson).
 */
export type ArgShape =
  { name: string; kind: "hex" | "bool" | "uint" | "any" } | { name: string; kind: "tuple"; fields: ArgShape[] };

const HEX = (v: unknown) => (typeof v === "string" ? `"${v}"` : valueJson(v));
const BOOL = (v: unknown) => (v === true ? "true" : v === false ? "false" : valueJson(v));
const UINT = (v: unknown) => (typeof v === "bigint" ? `"${v}"` : typeof v === "number" ? String(v) : valueJson(v));
const WRITERS = { hex: HEX, bool: BOOL, uint: UINT, any: valueJson };

/**
 * argsCopyJson for one event's arguments, compiled once from their shapes: one expression that reads each
 * argument by its literal name and writes it by its type, where argsJson walks the keys and looks at each value's
 * type (1.9 µs an event in a 187k-event backfill, most of it JobCreated's 20 values). The same text as
 * argsCopyJson; args missing an argument (or a struct), and names that need escaping, take argsCopyJson itself.
 */
export function compileArgsCopyJson(shapes: ArgShape[]): (args: Args) => string {
  const plain = (list: ArgShape[]): boolean =>
    list.every((s) => JSON.stringify(s.name).length === s.name.length + 2 && (s.kind !== "tuple" || plain(s.fields)));
  if (!plain(shapes)) return argsCopyJson;
  const expression = (list: ArgShape[], of: string): string =>
    `"{" + ${
      list
        .map((s, i) => {
          const key = JSON.stringify(`${i > 0 ? "," : ""}${JSON.stringify(s.name)}:`);
          const value = `${of}[${JSON.stringify(s.name)}]`;
          return `${key} + ${s.kind === "tuple" ? expression(s.fields, value) : `W.${s.kind}(${value})`}`;
        })
        .join(" + ") || '""'
    } + "}"`;
  const present = (list: ArgShape[], of: string): string =>
    list
      .map((s) => {
        const value = `${of}[${JSON.stringify(s.name)}]`;
        return s.kind === "tuple"
          ? `typeof ${value} === "object" && ${value} !== null && ${present(s.fields, value)}`
          : `${value} !== undefined`;
      })
      .join(" && ") || "true";
  const write = new Function("W", `return (a) => ${expression(shapes, "a")};`)(WRITERS) as (args: Args) => string;
  const complete = new Function(`return (a) => ${present(shapes, "a")};`)() as (args: Args) => boolean;
  return (args) => {
    if (!complete(args)) return argsCopyJson(args);
    escaped = false;
    const json = write(args);
    return escaped ? json.replaceAll("\\", "\\\\") : json;
  };
}
