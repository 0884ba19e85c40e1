// The API's descriptors must match the migrated database (so a schema change breaks a test,
// not a query), and schema.graphql must match the schema the server builds.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createTestDatabase, type TestDatabase } from "../db/testdb.ts";
import { ENTITIES, Protocol, enums } from "./entities.ts";
import { SCHEMA_FILE, printApiSchema } from "./print-schema.ts";
import { codecs, type EntitySpec, type FieldSpec } from "./sql.ts";

let database: TestDatabase;
let client: pg.Client;

before(async () => {
  database = await createTestDatabase({ prefix: "joule_api_schema" });
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});

after(async () => {
  await client?.end();
  await database?.drop();
});

const unquote = (table: string) => table.replace(/^"|"$/g, "");

/** information_schema.data_type each codec reads. */
function expectedDataType(field: FieldSpec): string {
  if (typeof field.type === "object") return "USER-DEFINED";
  const byCodec = new Map<unknown, string>([
    [codecs.numeric, "numeric"],
    [codecs.int8, "bigint"],
    [codecs.int4, "integer"],
    [codecs.int2, "smallint"],
    [codecs.bool, "boolean"],
    [codecs.text, "text"],
    [codecs.date, "date"],
    [codecs.timestamptz, "timestamp with time zone"],
    [codecs.textArray, "ARRAY"],
  ]);
  const t = byCodec.get(field.codec);
  assert.ok(t, `no expected type for codec of ${field.column}`);
  return t;
}

describe("descriptors match the database", () => {
  for (const spec of [...ENTITIES, Protocol] as EntitySpec[]) {
    test(`${spec.name} (${spec.table})`, async () => {
      const { rows } = await client.query<{
        column_name: string;
        data_type: string;
        udt_name: string;
        is_nullable: string;
      }>(
        `SELECT column_name, data_type, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [unquote(spec.table)],
      );
      assert.ok(rows.length > 0, `table ${spec.table} exists`);
      const columns = new Map(rows.map((r) => [r.column_name, r]));
      for (const [name, field] of Object.entries(spec.fields)) {
        const column = columns.get(field.column);
        assert.ok(column, `${spec.name}.${name}: column "${field.column}" exists`);
        assert.equal(column.data_type, expectedDataType(field), `${spec.name}.${name}: type`);
        if (typeof field.type === "object")
          assert.equal(column.udt_name, field.type.name, `${spec.name}.${name}: enum type`);
        // A nullable column exposed as non-null would fail at run time.
        // (Prisma's scalar lists are nullable columns; the textArray codec reads NULL as [].)
        if (column.is_nullable === "YES" && field.codec !== codecs.textArray)
          assert.equal(field.nullable, true, `${spec.name}.${name} is nullable in the database`);
      }
      // The key breaks ties in every ordering, so it must be the primary key.
      const pk = await client.query<{ column_name: string }>(
        `SELECT a.attname AS column_name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
          WHERE i.indrelid = $1::regclass AND i.indisprimary`,
        [spec.table],
      );
      assert.deepEqual(
        pk.rows.map((r) => r.column_name).sort(),
        spec.key.map((k) => spec.fields[k]!.column).sort(),
        `${spec.name}: key = primary key`,
      );
    });
  }

  test("GraphQL enums have the database enums' labels, in order", async () => {
    for (const e of Object.values(enums)) {
      const { rows } = await client.query<{ label: string }>(
        `SELECT e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = $1 ORDER BY e.enumsortorder`,
        [e.name],
      );
      assert.deepEqual(
        rows.map((r) => r.label),
        Object.values(e.values),
        e.name,
      );
    }
  });
});

test("schema.graphql is up to date (node indexer/api/print-schema.ts)", async () => {
  assert.equal(await readFile(SCHEMA_FILE, "utf8"), await printApiSchema());
});
