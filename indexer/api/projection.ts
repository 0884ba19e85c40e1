/**
 * Which columns rows need: the entity fields behind the GraphQL fields a query selects on them, directly (a
 * look-up, a relation) or under a connection's `nodes` / `edges.node`. A page of 20 jobs asking for 10 of their 55 fields then reads, converts
 * and parses 10 columns instead of 55. Anything not understood (a field without a known source) selects every
 * column, so a projection can only ever be too wide, never too narrow.
 */
import type {
  FieldNode,
  FragmentDefinitionNode,
  FragmentSpreadNode,
  GraphQLResolveInfo,
  InlineFragmentNode,
  SelectionSetNode,
} from "graphql";
import type { EntitySpec } from "./sql.ts";

/** GraphQL field of an entity type → the entity fields (columns) its resolver reads. */
export type FieldSources = ReadonlyMap<string, readonly string[]>;

type Fragments = Record<string, FragmentDefinitionNode>;

/** The selection set of an inline fragment or a fragment spread (undefined for an unknown fragment name). */
const fragmentSelection = (s: InlineFragmentNode | FragmentSpreadNode, fragments: Fragments) =>
  s.kind === "InlineFragment" ? s.selectionSet : fragments[s.name.value]?.selectionSet;

/** Adds the sources of every field in `set` to `out`; false when one has no known source. */
function addEntityFields(
  set: SelectionSetNode,
  sources: FieldSources,
  fragments: Fragments,
  out: Set<string>,
): boolean {
  for (const s of set.selections) {
    if (s.kind === "Field") {
      if (s.name.value === "__typename") continue;
      const from = sources.get(s.name.value);
      if (from === undefined) return false;
      for (const c of from) out.add(c);
    } else {
      const inner = fragmentSelection(s, fragments);
      if (!inner || !addEntityFields(inner, sources, fragments, out)) return false;
    }
  }
  return true;
}

/** Walks a connection's selection: `nodes { … }`, `edges { node { … } cursor }`, `totalCount`, `pageInfo`. */
function addConnectionFields(
  set: SelectionSetNode,
  sources: FieldSources,
  fragments: Fragments,
  out: Set<string>,
  edges = false,
): boolean {
  for (const s of set.selections) {
    if (s.kind === "Field") {
      const name = s.name.value;
      if (!edges && name === "nodes") {
        if (!s.selectionSet || !addEntityFields(s.selectionSet, sources, fragments, out)) return false;
      } else if (!edges && name === "edges") {
        if (!s.selectionSet || !addConnectionFields(s.selectionSet, sources, fragments, out, true)) return false;
      } else if (edges && name === "node") {
        if (!s.selectionSet || !addEntityFields(s.selectionSet, sources, fragments, out)) return false;
      } else if (name !== "__typename" && name !== "cursor" && name !== "totalCount" && name !== "pageInfo") {
        return false;
      }
    } else {
      const inner = fragmentSelection(s, fragments);
      if (!inner || !addConnectionFields(inner, sources, fragments, out, edges)) return false;
    }
  }
  return true;
}

/**
 * Per field node of a parsed document (yoga caches parsed documents, so the same nodes come back request after
 * request): the columns computed for it. A node maps to one connection type, so the entry holds for it alone.
 */
const memo = new WeakMap<FieldNode, readonly string[] | null>();

/**
 * Entity fields the rows resolved for this field need (keys always included), or undefined for all of them.
 * `shape`: what the field returns — a connection of `spec` rows, or `spec` rows themselves (one, or a list).
 * `sources`: the FieldSources of `spec`'s GraphQL type.
 */
export function selectedColumns(
  spec: EntitySpec,
  sources: FieldSources,
  info: Pick<GraphQLResolveInfo, "fieldNodes" | "fragments">,
  shape: "connection" | "rows",
): readonly string[] | undefined {
  const first = info.fieldNodes[0];
  if (first === undefined) return undefined;
  const known = info.fieldNodes.length === 1 ? memo.get(first) : undefined;
  if (known !== undefined) return known ?? undefined;
  const out = new Set<string>(spec.key);
  const add = shape === "connection" ? addConnectionFields : addEntityFields;
  let ok = true;
  for (const node of info.fieldNodes) {
    if (!node.selectionSet || !add(node.selectionSet, sources, info.fragments, out)) {
      ok = false;
      break;
    }
  }
  // Field order of the spec: equal projections give one SQL text (one prepared statement).
  const columns = ok ? Object.keys(spec.fields).filter((f) => out.has(f)) : null;
  if (info.fieldNodes.length === 1) memo.set(first, columns);
  return columns ?? undefined;
}
