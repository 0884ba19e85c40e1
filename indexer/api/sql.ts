/**
 * The read side's single query compiler: entity descriptors → parameterized SQL for
 * filtered, ordered, keyset-paginated lists, per-parent pages (one LATERAL query for a
 * whole DataLoader batch), counts and key look-ups.
 *
 * Why SQL and not Prisma's `findMany`: keyset pagination over any ordering with
 * NULL-aware tie-breaking, per-parent LIMITs for nested connections in one statement
 * (Prisma needs the `relationJoins` preview for that), and exact uint256 values. Every
 * value is a bound parameter, and every identifier comes from the static descriptors below
 * — never from user input. The statements run on a node-postgres pool (server.ts): through
 * Prisma's `$queryRawUnsafe` they cost ~1.1 ms more CPU per GraphQL request (bench:indexer).
 *
 * Values cross the boundary as *canonical text*: each column has a `select` expression
 * producing text and a `param` expression turning text back into the column's type, so
 * filters, cursors and relation keys all use one representation.
 */
import { badInput } from "./errors.ts";

// ───────────────────────────── Executor ─────────────────────────────

/** Runs one parameterized statement and returns its rows. */
export interface Db {
  query<T = Record<string, unknown>>(sql: string, params: readonly unknown[]): Promise<T[]>;
}

/** A row as the compiler returns it: every field as canonical text (or null). */
export type Row = Record<string, string | null>;

// ───────────────────────────── Codecs ─────────────────────────────

/** How one column is read and compared. `col` is an already-quoted column reference. */
export interface Codec {
  /** SQL expression producing the canonical text of the column. */
  select(col: string): string;
  /** SQL expression turning a text parameter placeholder into the column's type. */
  param(placeholder: string): string;
}

const cast = (sqlType: string): Codec => ({
  select: (col) => `${col}::text`,
  param: (ph) => `${ph}::${sqlType}`,
});

export const codecs = {
  numeric: cast("numeric"),
  int8: cast("int8"),
  int4: cast("int4"),
  int2: cast("int2"),
  bool: cast("bool"),
  text: {
    select: (col: string) => col,
    param: (ph: string) => `${ph}::text`,
  } satisfies Codec,
  /** A Postgres enum type (quoted name, e.g. `"JobStatus"`). */
  pgEnum: (typeName: string): Codec => ({
    select: (col) => `${col}::text`,
    param: (ph) => `${ph}::${typeName}`,
  }),
  /** bytea shown as 0x-hex. */
  bytea: {
    select: (col: string) => `('0x' || encode(${col}, 'hex'))`,
    param: (ph: string) => `decode(substr(${ph}::text, 3), 'hex')`,
  } satisfies Codec,
  /** timestamptz shown as unix seconds. */
  /** date shown as YYYY-MM-DD. */
  date: {
    select: (col: string) => `to_char(${col}, 'YYYY-MM-DD')`,
    param: (ph: string) => `${ph}::date`,
  } satisfies Codec,
  /** text[] shown comma-separated (addresses never contain commas); NULL reads as an empty list. */
  textArray: {
    select: (col: string) => `array_to_string(coalesce(${col}, '{}'), ',')`,
    param: (ph: string) => `string_to_array(${ph}::text, ',')`,
  } satisfies Codec,
  timestamptz: {
    select: (col: string) => `floor(extract(epoch from ${col}))::int8::text`,
    param: (ph: string) => `to_timestamp(${ph}::float8)`,
  } satisfies Codec,
} as const;

// ───────────────────────────── Descriptors ─────────────────────────────

/** GraphQL scalar of a field; selects the filter input and the JS conversion. */
export type FieldType =
  "BigInt" | "Long" | "Int" | "Float" | "Boolean" | "Address" | "Bytes32" | "String" | "ID" | "Date" | "AddressList";

export interface EnumSpec {
  /** GraphQL enum name, e.g. JobStatus. */
  name: string;
  /** GraphQL value → canonical DB text (e.g. OPEN → "Open" or "1"). */
  values: Record<string, string>;
  description?: string;
}

export interface FieldSpec {
  column: string;
  type: FieldType | EnumSpec;
  codec: Codec;
  nullable?: boolean;
  /** Offered in `where` (default true). */
  filter?: boolean;
  /** Offered in `orderBy` (default false). */
  order?: boolean;
  /** GraphQL output field name when it differs from the key (e.g. when a relation takes the key's name); false hides it. */
  expose?: string | false;
  description?: string;
}

export interface OrderTerm {
  field: string;
  direction: "ASC" | "DESC";
}

export interface EntitySpec {
  /** GraphQL type name. */
  name: string;
  /** Plural used for list queries and input names (e.g. jobs). */
  plural: string;
  /** Quoted SQL table reference, e.g. `"jobs"` or `"public"."jobs"`. */
  table: string;
  /** Fields that together identify a row; appended to every ordering as the tie-breaker. */
  key: readonly string[];
  fields: Record<string, FieldSpec>;
  defaultOrder: readonly OrderTerm[];
  description?: string;
  /**
   * A table of row counts grouped by some of the fields (same column names, plus a count column) kept exact by the
   * database (triggers): `totalCount` of a filter on those fields alone sums its groups instead of counting rows.
   */
  countRollup?: { table: string; fields: readonly string[]; countColumn: string };
}

// ───────────────────────────── Limits ─────────────────────────────

export interface CompileLimits {
  /** Most leaf conditions in one `where`. */
  maxConditions: number;
  /** Deepest AND/OR/NOT nesting. */
  maxNesting: number;
  /** Most values in one `in`/`notIn` list. */
  maxInList: number;
}

export const DEFAULT_COMPILE_LIMITS: CompileLimits = {
  maxConditions: 64,
  maxNesting: 4,
  maxInList: 200,
};

// ───────────────────────────── Parameters ─────────────────────────────

export class Params {
  readonly values: string[] = [];
  /** Adds a text parameter and returns its placeholder wrapped by the codec. */
  add(codec: Codec, text: string): string {
    this.values.push(text);
    return codec.param(`$${this.values.length}`);
  }
  addRaw(value: string): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const q = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
const colRef = (alias: string, field: FieldSpec) => `${alias}.${q(field.column)}`;

/** Canonical DB text for a GraphQL input value of a field. */
export function toDbText(spec: EntitySpec, fieldName: string, value: unknown): string {
  const field = spec.fields[fieldName];
  if (field === undefined) throw new Error(`${spec.name} has no field ${fieldName}`);
  if (typeof field.type === "object") {
    const dbValue = field.type.values[String(value)];
    if (dbValue === undefined) throw badInput(`${String(value)} is not a ${field.type.name}`);
    return dbValue;
  }
  switch (field.type) {
    case "Boolean":
      return value ? "true" : "false";
    case "AddressList":
      return (value as string[]).join(",");
    case "Address":
    case "Bytes32":
    case "String":
    case "ID":
    case "Date":
    case "BigInt":
      return String(value);
    case "Long":
    case "Int":
    case "Float":
      return String(value);
  }
}

/** GraphQL output value from canonical DB text. */
export function fromDbText(field: FieldSpec, text: string | null): unknown {
  if (text === null) return null;
  if (typeof field.type === "object") {
    for (const [name, db] of Object.entries(field.type.values)) if (db === text) return name;
    throw new Error(`${field.type.name}: unknown database value ${text}`);
  }
  switch (field.type) {
    case "Boolean":
      return text === "true" || text === "t";
    case "Long":
    case "Int":
    case "Float":
      return Number(text);
    case "AddressList":
      return text === "" ? [] : text.split(",");
    default:
      return text;
  }
}

// ───────────────────────────── where ─────────────────────────────

export type Where = Record<string, unknown>;

const OPS = new Set(["eq", "not", "gt", "gte", "lt", "lte", "in", "notIn", "isNull"]);

/** Compiles a GraphQL `where` input to a SQL boolean expression (or null for "no condition"). */
export function compileWhere(
  spec: EntitySpec,
  where: Where | null | undefined,
  params: Params,
  alias = "t",
  limits: CompileLimits = DEFAULT_COMPILE_LIMITS,
): string | null {
  const state = { conditions: 0 };
  return compileNode(spec, where, params, alias, limits, state, 0);
}

function compileNode(
  spec: EntitySpec,
  where: Where | null | undefined,
  params: Params,
  alias: string,
  limits: CompileLimits,
  state: { conditions: number },
  depth: number,
): string | null {
  if (where == null) return null;
  if (depth > limits.maxNesting) throw badInput(`where: AND/OR/NOT nested deeper than ${limits.maxNesting} levels`);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined) continue;
    if (key === "AND" || key === "OR") {
      if (value === null) continue;
      const list = (value as Where[]).map((w) => compileNode(spec, w, params, alias, limits, state, depth + 1));
      if (list.length === 0) {
        parts.push(key === "AND" ? "TRUE" : "FALSE");
        continue;
      }
      const compiled = list.map((c) => c ?? "TRUE");
      parts.push(`(${compiled.join(key === "AND" ? " AND " : " OR ")})`);
      continue;
    }
    if (key === "NOT") {
      if (value === null) continue;
      const inner = compileNode(spec, value as Where, params, alias, limits, state, depth + 1);
      // coalesce: a condition that is unknown because of a NULL counts as false, so NOT keeps the row.
      if (inner !== null) parts.push(`NOT coalesce(${inner}, FALSE)`);
      continue;
    }
    const field = spec.fields[key];
    if (field === undefined || field.filter === false)
      throw badInput(`where: ${spec.name} cannot be filtered by ${key}`);
    if (value === null) continue;
    parts.push(...compileFieldFilter(spec, key, field, value as Record<string, unknown>, params, alias, limits, state));
  }
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : `(${parts.join(" AND ")})`;
}

function compileFieldFilter(
  spec: EntitySpec,
  name: string,
  field: FieldSpec,
  filter: Record<string, unknown>,
  params: Params,
  alias: string,
  limits: CompileLimits,
  state: { conditions: number },
): string[] {
  const col = colRef(alias, field);
  const parts: string[] = [];
  const bump = () => {
    state.conditions += 1;
    if (state.conditions > limits.maxConditions) throw badInput(`where: more than ${limits.maxConditions} conditions`);
  };
  const value = (v: unknown) => params.add(field.codec, toDbText(spec, name, v));
  for (const [op, v] of Object.entries(filter)) {
    if (v === undefined) continue;
    if (!OPS.has(op)) throw badInput(`where.${name}: unknown operator ${op}`);
    bump();
    switch (op) {
      case "eq":
        parts.push(v === null ? `${col} IS NULL` : `${col} = ${value(v)}`);
        break;
      case "not":
        // "Not X" includes rows where the field is NULL (SQL's `<>` would drop them).
        parts.push(
          v === null
            ? `${col} IS NOT NULL`
            : field.nullable
              ? `${col} IS DISTINCT FROM ${value(v)}`
              : `${col} <> ${value(v)}`,
        );
        break;
      case "gt":
      case "gte":
      case "lt":
      case "lte": {
        if (v === null) throw badInput(`where.${name}.${op} cannot be null`);
        const sqlOp = { gt: ">", gte: ">=", lt: "<", lte: "<=" }[op];
        parts.push(`${col} ${sqlOp} ${value(v)}`);
        break;
      }
      case "in":
      case "notIn": {
        if (v === null) throw badInput(`where.${name}.${op} cannot be null`);
        const list = v as unknown[];
        if (list.length > limits.maxInList) throw badInput(`where.${name}.${op}: at most ${limits.maxInList} values`);
        if (list.length === 0) parts.push(op === "in" ? "FALSE" : "TRUE");
        else if (op === "in") parts.push(`${col} IN (${list.map(value).join(", ")})`);
        else if (field.nullable) parts.push(`(${col} NOT IN (${list.map(value).join(", ")}) OR ${col} IS NULL)`);
        else parts.push(`${col} NOT IN (${list.map(value).join(", ")})`);
        break;
      }
      case "isNull":
        if (v === null) throw badInput(`where.${name}.isNull cannot be null`);
        parts.push(v ? `${col} IS NULL` : `${col} IS NOT NULL`);
        break;
    }
  }
  return parts;
}

// ───────────────────────────── orderBy and cursors ─────────────────────────────

/** The user's ordering plus the key fields as tie-breakers, validated. */
export function resolveOrder(spec: EntitySpec, orderBy: readonly OrderTerm[] | null | undefined): OrderTerm[] {
  const terms = orderBy && orderBy.length > 0 ? orderBy : spec.defaultOrder;
  const seen = new Set<string>();
  const out: OrderTerm[] = [];
  for (const term of terms) {
    const field = spec.fields[term.field];
    if (field === undefined || (!field.order && !spec.key.includes(term.field))) {
      throw badInput(`orderBy: ${spec.name} cannot be ordered by ${term.field}`);
    }
    if (seen.has(term.field)) throw badInput(`orderBy: ${term.field} appears twice`);
    seen.add(term.field);
    out.push({
      field: term.field,
      direction: term.direction === "DESC" ? "DESC" : "ASC",
    });
  }
  const tieDirection = out[out.length - 1]?.direction ?? "ASC";
  for (const key of spec.key) if (!seen.has(key)) out.push({ field: key, direction: tieDirection });
  return out;
}

const orderSignature = (order: readonly OrderTerm[]) => order.map((t) => `${t.field}:${t.direction}`).join(",");

interface CursorPayload {
  /** Ordering signature; a cursor is only valid for the ordering it came from. */
  o: string;
  /** Canonical text of each ordering column of the row. */
  k: Array<string | null>;
}

export function encodeCursor(order: readonly OrderTerm[], row: Row): string {
  const payload: CursorPayload = {
    o: orderSignature(order),
    k: order.map((_, i) => row[`__k${i}`] ?? null),
  };
  return Buffer.from(JSON.stringify(payload)).toString("base64url");
}

export function decodeCursor(order: readonly OrderTerm[], cursor: string): Array<string | null> {
  let payload: CursorPayload;
  try {
    payload = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as CursorPayload;
  } catch {
    throw badInput("after: not a cursor returned by this API");
  }
  if (payload === null || typeof payload !== "object" || typeof payload.o !== "string" || !Array.isArray(payload.k)) {
    throw badInput("after: not a cursor returned by this API");
  }
  if (payload.o !== orderSignature(order)) throw badInput("after: this cursor belongs to a different orderBy");
  if (payload.k.length !== order.length || !payload.k.every((v) => v === null || typeof v === "string")) {
    throw badInput("after: not a cursor returned by this API");
  }
  return payload.k;
}

function orderSql(spec: EntitySpec, order: readonly OrderTerm[], alias: string): string {
  return order
    .map(
      (t) => `${colRef(alias, spec.fields[t.field]!)} ${t.direction === "ASC" ? "ASC NULLS LAST" : "DESC NULLS FIRST"}`,
    )
    .join(", ");
}

/** selectList texts by shape: a query's select list is rebuilt from the same few shapes on every request. */
const selectLists = new Map<string, string>();
const MAX_SELECT_LISTS = 2_000;

/**
 * SQL selecting `fields` (default: every field) as canonical text, plus the ordering columns as `__k<i>`.
 */
function selectList(spec: EntitySpec, order: readonly OrderTerm[], alias: string, fields?: readonly string[]): string {
  const shape = `${spec.name}|${alias}|${orderSignature(order)}|${fields?.join(",") ?? "*"}`;
  const known = selectLists.get(shape);
  if (known !== undefined) return known;
  const names = fields ?? Object.keys(spec.fields);
  const columns = names.map((name) => {
    const f = spec.fields[name];
    if (f === undefined) throw new Error(`${spec.name} has no field ${name}`);
    return `${f.codec.select(colRef(alias, f))} AS ${q(name)}`;
  });
  const keys = order.map((t, i) => {
    const f = spec.fields[t.field]!;
    return `${f.codec.select(colRef(alias, f))} AS ${q(`__k${i}`)}`;
  });
  const text = [...columns, ...keys].join(", ");
  if (selectLists.size < MAX_SELECT_LISTS) selectLists.set(shape, text);
  return text;
}

/**
 * "Row comes after the cursor" for an ordering with NULLs last in ASC and first in DESC
 * (PostgreSQL's defaults, so plain b-tree indexes serve both directions).
 */
function keysetSql(
  spec: EntitySpec,
  order: readonly OrderTerm[],
  values: ReadonlyArray<string | null>,
  params: Params,
  alias: string,
): string {
  const fields = order.map((t) => spec.fields[t.field]!);
  // Fast path: one direction, no NULLs possible → a row comparison the planner can use an index for.
  const oneDirection = order.every((t) => t.direction === order[0]!.direction);
  const noNulls = values.every((v) => v !== null) && fields.every((f) => !f.nullable);
  if (oneDirection && noNulls) {
    const cols = fields.map((f) => colRef(alias, f)).join(", ");
    const vals = fields.map((f, i) => params.add(f.codec, values[i]!)).join(", ");
    return `(${cols}) ${order[0]!.direction === "ASC" ? ">" : "<"} (${vals})`;
  }
  const ors: string[] = [];
  for (let i = 0; i < order.length; i++) {
    const ands: string[] = [];
    for (let j = 0; j < i; j++) {
      const f = fields[j]!;
      const v = values[j]!;
      ands.push(v === null ? `${colRef(alias, f)} IS NULL` : `${colRef(alias, f)} = ${params.add(f.codec, v)}`);
    }
    const f = fields[i]!;
    const v = values[i]!;
    const col = colRef(alias, f);
    let after: string;
    if (order[i]!.direction === "ASC") {
      if (v === null) after = "FALSE";
      else
        after = f.nullable
          ? `(${col} > ${params.add(f.codec, v)} OR ${col} IS NULL)`
          : `${col} > ${params.add(f.codec, v)}`;
    } else {
      after = v === null ? `${col} IS NOT NULL` : `${col} < ${params.add(f.codec, v)}`;
    }
    ands.push(after);
    ors.push(`(${ands.join(" AND ")})`);
  }
  return `(${ors.join(" OR ")})`;
}

// ───────────────────────────── Statements ─────────────────────────────

export interface ListArgs {
  where?: Where | null;
  orderBy?: readonly OrderTerm[] | null;
  first: number;
  after?: string | null;
  /** Fields the rows need (projection.ts); all of them when absent. */
  fields?: readonly string[] | undefined;
}

export interface Page {
  rows: Row[];
  hasNextPage: boolean;
  /** Cursor of each row, aligned with `rows`. */
  cursors: string[];
}

/** Extra SQL condition (already compiled) that the caller adds, e.g. a parent key. */
export interface ExtraCondition {
  sql: (params: Params, alias: string) => string;
}

export async function findPage(
  db: Db,
  spec: EntitySpec,
  args: ListArgs,
  extra?: ExtraCondition,
  limits?: CompileLimits,
): Promise<Page> {
  const order = resolveOrder(spec, args.orderBy);
  const params = new Params();
  const conds: string[] = [];
  const where = compileWhere(spec, args.where, params, "t", limits);
  if (where) conds.push(where);
  if (extra) conds.push(extra.sql(params, "t"));
  if (args.after != null) conds.push(keysetSql(spec, order, decodeCursor(order, args.after), params, "t"));
  const limit = params.addRaw(String(args.first + 1));
  const sql =
    `SELECT ${selectList(spec, order, "t", args.fields)} FROM ${spec.table} t` +
    (conds.length ? ` WHERE ${conds.join(" AND ")}` : "") +
    ` ORDER BY ${orderSql(spec, order, "t")} LIMIT ${limit}::int8`;
  const rows = await db.query<Row>(sql, params.values);
  return toPage(order, rows, args.first);
}

export async function countRows(
  db: Db,
  spec: EntitySpec,
  where: Where | null | undefined,
  extra?: ExtraCondition,
  limits?: CompileLimits,
): Promise<number> {
  const params = new Params();
  const conds: string[] = [];
  const compiled = compileWhere(spec, where, params, "t", limits);
  if (compiled) conds.push(compiled);
  if (extra) conds.push(extra.sql(params, "t"));
  const rollup = spec.countRollup;
  // The rollup's columns carry the same names, so the compiled conditions apply to its groups unchanged.
  const sql =
    rollup && !extra && filteredFields(where).every((f) => rollup.fields.includes(f))
      ? `SELECT coalesce(sum(t.${q(rollup.countColumn)}), 0)::text AS n FROM ${rollup.table} t` +
        (conds.length ? ` WHERE ${conds.join(" AND ")}` : "")
      : `SELECT count(*)::text AS n FROM ${spec.table} t` + (conds.length ? ` WHERE ${conds.join(" AND ")}` : "");
  const rows = await db.query<{ n: string }>(sql, params.values);
  return Number(rows[0]?.n ?? 0);
}

/** Every field a `where` filters on, through AND/OR/NOT. */
function filteredFields(where: Where | null | undefined, out: string[] = []): string[] {
  if (where == null) return out;
  for (const [key, value] of Object.entries(where)) {
    if (value == null) continue;
    if (key === "AND" || key === "OR") for (const w of value as Where[]) filteredFields(w, out);
    else if (key === "NOT") filteredFields(value as Where, out);
    else out.push(key);
  }
  return out;
}

function toPage(order: readonly OrderTerm[], rows: Row[], first: number): Page {
  const hasNextPage = rows.length > first;
  const kept = hasNextPage ? rows.slice(0, first) : rows;
  return {
    rows: kept,
    hasNextPage,
    cursors: kept.map((r) => encodeCursor(order, r)),
  };
}

/**
 * One page per parent in a single statement: for each parent key, the first `first`
 * children (where `child.<fkField> = parent`) in the given order, via LATERAL + LIMIT.
 * Returns pages aligned with `parentKeys`.
 */
export async function findPagesByParent(
  db: Db,
  spec: EntitySpec,
  fkField: string,
  parentKeys: readonly string[],
  args: ListArgs,
  limits?: CompileLimits,
): Promise<Page[]> {
  const fk = spec.fields[fkField];
  if (fk === undefined) throw new Error(`${spec.name} has no field ${fkField}`);
  const order = resolveOrder(spec, args.orderBy);
  const params = new Params();
  const parents = parentKeys.map((k) => `(${params.add(fk.codec, k)})`).join(", ");
  const conds = [`${colRef("t", fk)} = p.__parent`];
  const where = compileWhere(spec, args.where, params, "t", limits);
  if (where) conds.push(where);
  if (args.after != null) conds.push(keysetSql(spec, order, decodeCursor(order, args.after), params, "t"));
  const limit = params.addRaw(String(args.first + 1));
  const sql =
    `SELECT ${fk.codec.select("p.__parent")} AS "__parent", c.* FROM (VALUES ${parents}) AS p(__parent) ` +
    `CROSS JOIN LATERAL (SELECT ${selectList(spec, order, "t", args.fields)} FROM ${spec.table} t WHERE ${conds.join(" AND ")} ` +
    `ORDER BY ${orderSql(spec, order, "t")} LIMIT ${limit}::int8) c`;
  const rows = await db.query<Row>(sql, params.values);
  const byParent = new Map<string, Row[]>();
  for (const row of rows) {
    const key = row.__parent!;
    let list = byParent.get(key);
    if (!list) byParent.set(key, (list = []));
    list.push(row);
  }
  return parentKeys.map((k) => toPage(order, byParent.get(k) ?? [], args.first));
}

/** Child counts per parent key (same `where`), aligned with `parentKeys`. */
export async function countByParent(
  db: Db,
  spec: EntitySpec,
  fkField: string,
  parentKeys: readonly string[],
  where: Where | null | undefined,
  limits?: CompileLimits,
): Promise<number[]> {
  const fk = spec.fields[fkField]!;
  const params = new Params();
  const list = parentKeys.map((k) => params.add(fk.codec, k)).join(", ");
  const conds = [`${colRef("t", fk)} IN (${list})`];
  const compiled = compileWhere(spec, where, params, "t", limits);
  if (compiled) conds.push(compiled);
  const sql = `SELECT ${fk.codec.select(colRef("t", fk))} AS k, count(*)::text AS n FROM ${spec.table} t WHERE ${conds.join(" AND ")} GROUP BY 1`;
  const rows = await db.query<{ k: string; n: string }>(sql, params.values);
  const counts = new Map(rows.map((r) => [r.k, Number(r.n)]));
  return parentKeys.map((k) => counts.get(k) ?? 0);
}

/**
 * Rows whose `field` is one of `values` (a DataLoader batch), ordered by the entity's
 * default order; grouped by that field's canonical text.
 */
export async function findByField(
  db: Db,
  spec: EntitySpec,
  field: string,
  values: readonly string[],
  fields?: readonly string[],
): Promise<Map<string, Row[]>> {
  const f = spec.fields[field];
  if (f === undefined) throw new Error(`${spec.name} has no field ${field}`);
  const out = new Map<string, Row[]>();
  if (values.length === 0) return out;
  const order = resolveOrder(spec, null);
  const params = new Params();
  const list = values.map((v) => params.add(f.codec, v)).join(", ");
  // The rows are grouped by `field`: it is read whatever the caller needs.
  const read = fields && !fields.includes(field) ? [...fields, field] : fields;
  const sql =
    `SELECT ${selectList(spec, order, "t", read)} FROM ${spec.table} t WHERE ${colRef("t", f)} IN (${list}) ` +
    `ORDER BY ${orderSql(spec, order, "t")}`;
  const rows = await db.query<Row>(sql, params.values);
  for (const row of rows) {
    const k = row[field]!;
    let group = out.get(k);
    if (!group) out.set(k, (group = []));
    group.push(row);
  }
  return out;
}

/** Rows matching all `key` fields exactly (composite keys), one statement for a batch; `columns`: fields to read. */
export async function findByKeys(
  db: Db,
  spec: EntitySpec,
  keys: ReadonlyArray<readonly string[]>,
  columns?: readonly string[],
): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  if (keys.length === 0) return out;
  const order = resolveOrder(spec, null);
  const params = new Params();
  const fields = spec.key.map((k) => spec.fields[k]!);
  const tuples = keys
    .map((values) => `(${fields.map((f, i) => params.add(f.codec, values[i]!)).join(", ")})`)
    .join(", ");
  // Rows are matched to keys by their key fields: those are read whatever the caller needs.
  const read =
    columns && spec.key.some((k) => !columns.includes(k)) ? [...new Set([...columns, ...spec.key])] : columns;
  const sql =
    `SELECT ${selectList(spec, order, "t", read)} FROM ${spec.table} t ` +
    `WHERE (${fields.map((f) => colRef("t", f)).join(", ")}) IN (${tuples})`;
  const rows = await db.query<Row>(sql, params.values);
  for (const row of rows) out.set(keyOf(spec, row), row);
  return out;
}

/** The identity of a row as one string (key fields' canonical text joined). */
export function keyOf(spec: EntitySpec, row: Row | Record<string, unknown>): string {
  return spec.key.map((k) => String(row[k])).join("|");
}
