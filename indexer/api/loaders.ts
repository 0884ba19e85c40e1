/**
 * Per-request DataLoaders: every relation a GraphQL response touches costs one SQL
 * statement per (relation, arguments), however many parents ask for it.
 */
import DataLoader from "dataloader";
import {
  countByParent,
  findByField,
  findByKeys,
  findPagesByParent,
  type CompileLimits,
  type Db,
  type EntitySpec,
  type ListArgs,
  type Page,
  type Row,
  type Where,
} from "./sql.ts";

/** Largest batch sent in one statement; bigger batches are split by DataLoader. */
const MAX_BATCH = 500;

export class Loaders {
  readonly #db: Db;
  readonly #limits: CompileLimits | undefined;
  readonly #loaders = new Map<string, DataLoader<any, any, string>>();

  constructor(db: Db, limits?: CompileLimits) {
    this.#db = db;
    this.#limits = limits;
  }

  #get<K, V>(
    name: string,
    batch: (keys: readonly K[]) => Promise<Array<V | Error>>,
    cacheKey?: (key: K) => string,
  ): DataLoader<K, V, string> {
    let loader = this.#loaders.get(name);
    if (!loader) {
      loader = new DataLoader<K, V, string>(batch, {
        maxBatchSize: MAX_BATCH,
        ...(cacheKey ? { cacheKeyFn: cacheKey } : {}),
      });
      this.#loaders.set(name, loader);
    }
    return loader as DataLoader<K, V, string>;
  }

  /**
   * Forgets everything loaded. A subscription keeps one context for its whole life, so
   * each event clears the cache to read relations as they are now.
   */
  clearAll(): void {
    this.#loaders.clear();
  }

  /**
   * The row of `spec` whose key fields equal `key` (canonical text), or null. `fields`: the fields to read (all
   * when absent); look-ups asking for the same fields share one statement.
   */
  byKey(spec: EntitySpec, key: readonly string[], fields?: readonly string[]): Promise<Row | null> {
    return this.#get<readonly string[], Row | null>(
      `key:${spec.name}:${fields?.join(",") ?? "*"}`,
      async (keys) => {
        const rows = await findByKeys(this.#db, spec, keys, fields);
        return keys.map((k) => rows.get(k.join("|")) ?? null);
      },
      (k) => k.join("|"),
    ).load(key);
  }

  /** The first row of `spec` whose `field` equals `value` (for to-one relations on unique fields). */
  async one(spec: EntitySpec, field: string, value: string, fields?: readonly string[]): Promise<Row | null> {
    const rows = await this.many(spec, field, value, fields);
    return rows[0] ?? null;
  }

  /** All rows of `spec` whose `field` equals `value`, in the entity's default order (for small, bounded relations). */
  many(spec: EntitySpec, field: string, value: string, fields?: readonly string[]): Promise<Row[]> {
    return this.#get<string, Row[]>(`many:${spec.name}.${field}:${fields?.join(",") ?? "*"}`, async (values) => {
      const groups = await findByField(this.#db, spec, field, values, fields);
      return values.map((v) => groups.get(v) ?? []);
    }).load(value);
  }

  /** One page of children per parent; parents asking with the same arguments share one statement. */
  page(spec: EntitySpec, fkField: string, parentKey: string, args: ListArgs): Promise<Page> {
    const signature = JSON.stringify([
      args.where ?? null,
      args.orderBy ?? null,
      args.first,
      args.after ?? null,
      args.fields ?? null,
    ]);
    return this.#get<string, Page>(`page:${spec.name}.${fkField}:${signature}`, (parents) =>
      findPagesByParent(this.#db, spec, fkField, parents, args, this.#limits),
    ).load(parentKey);
  }

  /** Number of children per parent matching `where`. */
  count(spec: EntitySpec, fkField: string, parentKey: string, where: Where | null | undefined): Promise<number> {
    const signature = JSON.stringify(where ?? null);
    return this.#get<string, number>(`count:${spec.name}.${fkField}:${signature}`, (parents) =>
      countByParent(this.#db, spec, fkField, parents, where, this.#limits),
    ).load(parentKey);
  }
}
