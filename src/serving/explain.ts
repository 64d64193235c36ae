import type { SparseRow } from '../model/scorer';
import type { ModelState } from './modelState';
import type { GraphPath, PathNode, Reason } from './types';

/** At most this many of the user's items are cited per recommended item (the largest shares of its graph term). */
export const MAX_CITED = 3;

/** One of the user's items cited for a target: its share of the target's graph term and one real path through it. */
export interface Citation {
  /** Matrix row of the user's item. */
  item: number;
  /** Its part of the target's graph term. */
  contribution: number;
  /** Other users with a positive interaction with both (in the version's graph). */
  people: number;
  /** One of them (-1 when none). */
  coUser: number;
}

/** Why one item scores what it scores in the graph term: the cited items and the share of the term they carry. */
export interface Explanation {
  /** The target's graph term, the sum of every item's contribution. */
  graph: number;
  cited: Citation[];
  /** Σ cited contributions / graph (0 when graph is 0). */
  citedShare: number;
}

/**
 * Splits the graph term of each target (basis rows) into the contributions of the row's items:
 * w_ui·d_i^-βl·(Σ_v R~_vi R~_vj)·w·d_j^ol, the paths u → i ← v → j grouped by i (their sum is the target's graph
 * term exactly), and cites the `maxCited` largest. `self` is the user's row in the basis (-1: none), never a cited co-user.
 */
export function explainGraph(s: ModelState, row: SparseRow, self: number, targets: readonly number[], maxCited = MAX_CITED): Explanation[] {
  const { rT } = s.scorer.parts.norm;
  const { linIn, linOut } = s.scorer;
  const mark = new Float64Array(rT.cols);
  return targets.map((j): Explanation => {
    if (j >= s.matrix.basisItems) return { graph: 0, cited: [], citedShare: 0 };
    for (let m = rT.indptr[j]; m < rT.indptr[j + 1]; m++) mark[rT.indices[m]] = rT.values[m];
    const all: Citation[] = [];
    let graph = 0;
    for (let p = 0; p < row.indices.length; p++) {
      const i = row.indices[p];
      let sum = 0;
      let people = 0;
      let coUser = -1;
      let best = 0;
      for (let m = rT.indptr[i]; m < rT.indptr[i + 1]; m++) {
        const v = rT.indices[m];
        const x = mark[v];
        if (x === 0) continue;
        const path = rT.values[m] * x;
        sum += path;
        if (v === self) continue;
        people++;
        if (path > best) {
          best = path;
          coUser = v;
        }
      }
      const c = row.values[p] * linIn[i] * sum * linOut[j];
      graph += c;
      if (c > 0) all.push({ item: i, contribution: c, people, coUser });
    }
    for (let m = rT.indptr[j]; m < rT.indptr[j + 1]; m++) mark[rT.indices[m]] = 0;
    all.sort((a, b) => b.contribution - a.contribution || a.item - b.item);
    const cited = all.slice(0, maxCited);
    const share = graph > 0 ? cited.reduce((t, c) => t + c.contribution, 0) / graph : 0;
    return { graph, cited, citedShare: share };
  });
}

/** The row without the cited items (the deletion test: the interactions the cited paths rest on, removed in memory). */
export function withoutCited(row: SparseRow, cited: readonly Citation[]): SparseRow {
  const drop = new Set(cited.map((c) => c.item));
  const keep: number[] = [];
  for (let p = 0; p < row.indices.length; p++) if (!drop.has(row.indices[p])) keep.push(p);
  return { indices: Int32Array.from(keep, (p) => row.indices[p]), values: Float32Array.from(keep, (p) => row.values[p]) };
}

const user = (id: string | null): PathNode => ({ label: 'User', id, name: null });
const item = (id: string, title: string | null = null): PathNode => ({ label: 'Item', id, name: title });
const F = (type: string) => ({ type, direction: 'FORWARD' as const });
const B = (type: string) => ({ type, direction: 'BACKWARD' as const });

function people(n: number): string {
  return n === 1 ? '1 person' : `${n} people`;
}

function quote(title: string | null, id: string): string {
  return title ? `"${title}"` : `item ${id}`;
}

function percent(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/**
 * The reasons of one recommended item: one CO_INTERACTION reason per cited item, with its real path user → item ←
 * (another user) → target and the share of the item's graph score it carries; for a cold-start page the popularity
 * order; for a category-filtered request the category. Other users are anonymous (id null).
 */
export function reasonsFor(s: ModelState, userId: string, target: number, e: Explanation | null, opts: { coldStart: boolean; categories: readonly string[] }): Reason[] {
  const m = s.matrix;
  const out: Reason[] = [];
  const t = item(m.ids[target], m.titles[target]);
  for (const c of e?.cited ?? []) {
    const id = m.ids[c.item];
    const title = m.titles[c.item];
    out.push({
      kind: 'CO_INTERACTION',
      text: `You interacted with ${quote(title, id)}; ${people(c.people)} who interacted with it also interacted with this `
        + `(${percent(e!.graph > 0 ? c.contribution / e!.graph : 0)} of its graph score).`,
      paths: [{ nodes: [user(userId), item(id, title), user(null), t], relationships: [F('INTERACTED'), B('INTERACTED'), F('INTERACTED')] }],
    });
  }
  const wanted = opts.categories.find((c) => m.categories[target].includes(c));
  if (wanted) {
    const path: GraphPath = { nodes: [t, { label: 'Category', id: wanted, name: wanted }], relationships: [F('IN_CATEGORY')] };
    out.push({ kind: 'CATEGORY', text: `In ${wanted}, a category you asked for.`, paths: [path] });
  }
  if (opts.coldStart && m.degree[target] > 0) {
    const n = m.degree[target];
    out.push({
      kind: 'POPULARITY',
      text: `Popular: ${n === 1 ? '1 interaction' : `${n} interactions`} so far (without interactions of yours, the most popular come first).`,
      paths: [{ nodes: [user(null), t], relationships: [F('INTERACTED')] }],
    });
  }
  return out;
}

/** Reasons why `target` is similar to `source`: the people who interacted with both, on the path source ← user → target. */
export function similarReasonsFor(s: ModelState, source: number, target: number, e: Explanation | null): Reason[] {
  const m = s.matrix;
  const c = e?.cited[0];
  if (!c || c.people === 0) return [];
  const src = item(m.ids[source], m.titles[source]);
  return [{
    kind: 'CO_INTERACTION',
    text: `${people(c.people)} who interacted with ${quote(m.titles[source], m.ids[source])} also interacted with this.`,
    paths: [{ nodes: [src, user(null), item(m.ids[target], m.titles[target])], relationships: [B('INTERACTED'), F('INTERACTED')] }],
  }];
}
