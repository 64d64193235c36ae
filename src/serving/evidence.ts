import type { GraphIndex, ViaPath } from './graphIndex';
import type { ItemMatrix } from './modelStore';
import type { ReasonRow } from './explain';

/** A candidate's POPULAR_IN counts for the request's contexts (from cypher/serving/contextScores.cypher). */
export interface ContextHits {
  kind: string;
  value: string;
  count: number;
}

/**
 * The evidence rows of one page (what cypher/serving/reasons.cypher reads from Neo4j) built from the
 * process's copy of the graph: the GraphIndex (interactions with their kinds, follows) and the item
 * matrix (titles, categories, interaction counts), plus the request's context counts, which the
 * context score already read. Measured under load on Gowalla this saves a statement per request: its
 * Bolt encoding and decoding on the event loop and its execution in Neo4j, about a fifth of the CPU of
 * a request. The paths are the graph as this process knows it: its own writes at once, other writers'
 * changes at the graph index's next refresh (ServingOptions.evidenceSource 'neo4j' confirms every path
 * in Neo4j instead).
 *
 * Per item: the co-interaction path the graph index chose (GraphIndex.bestVia, among the user's
 * `maxUserItems` most recent items), how many followees interacted with it (ids of the first three),
 * the request contexts it is popular in, a category that was requested or that one of the user's
 * items shares (requested first, then by name), and its interaction count.
 */
export function memoryEvidence(graph: GraphIndex, m: ItemMatrix, userId: string, itemIds: string[], opts: {
  categories: readonly string[];
  maxUserItems: number;
  contextHits?: ReadonlyMap<string, readonly ContextHits[]>;
  /** GraphIndex.bestVia of these items when the caller computed it (on the graph worker); computed here otherwise. */
  via?: ReadonlyMap<string, ViaPath>;
}): ReasonRow[] {
  const via = opts.via ?? graph.bestVia(userId, itemIds, opts.maxUserItems);
  const followees = graph.followeesWith(userId, itemIds);
  const requested = new Set(opts.categories);
  // per category of the user's items (not a requested one): its first two items, most recent first
  // (two, so that a target in that category can name another item than itself)
  const mine = graph.userItemsOf(userId).ids;
  const byCategory = new Map<string, string[]>();
  for (const id of mine) {
    const row = m.index.get(id);
    if (row === undefined) continue;
    for (const c of m.categories[row]) {
      if (requested.has(c)) continue;
      const list = byCategory.get(c);
      if (!list) byCategory.set(c, [id]);
      else if (list.length < 2) list.push(id);
    }
  }
  const titleOf = (id: string) => {
    const row = m.index.get(id);
    return row === undefined ? null : m.titles[row] ?? null;
  };
  return itemIds.map((id): ReasonRow => {
    const row = m.index.get(id);
    const v = via.get(id);
    const fs = followees.get(id) ?? [];
    const hits = (opts.contextHits?.get(id) ?? []).filter((h) => h.count > 0);
    let category: ReasonRow['category'] = null;
    if (row !== undefined) {
      for (const c of [...m.categories[row]].sort((a, b) => (requested.has(b) ? 1 : 0) - (requested.has(a) ? 1 : 0) || (a < b ? -1 : a > b ? 1 : 0))) {
        if (requested.has(c)) {
          category = { name: c, viaId: null, viaTitle: null };
          break;
        }
        const other = byCategory.get(c)?.find((x) => x !== id);
        if (other !== undefined) {
          category = { name: c, viaId: other, viaTitle: titleOf(other) };
          break;
        }
      }
    }
    return {
      id,
      title: row === undefined ? null : m.titles[row] ?? null,
      co: v ? { id: v.viaId, title: titleOf(v.viaId), kind: v.kind ?? 'interaction', people: v.people } : null,
      followees: fs.length,
      followeeIds: fs.slice(0, 3),
      popularIn: hits.map((h) => ({ kind: h.kind, value: h.value, count: h.count })),
      category,
      popularity: row === undefined ? 0 : m.degree[row],
    };
  });
}
