import type { ContextValue, GraphPath, PathNode, Reason } from './types';

/** One row of cypher/serving/reasons.cypher. */
export interface ReasonRow {
  id: string;
  title?: string | null;
  co: { id: string; title: string | null; kind: string; people: number } | null;
  followees: number | null;
  followeeIds: string[] | null;
  popularIn: { kind: string; value: string; count: number }[] | null;
  category: { name: string; viaId: string | null; viaTitle: string | null } | null;
  popularity: number;
}

const user = (id: string | null): PathNode => ({ label: 'User', id, name: null });
const item = (id: string, title: string | null = null): PathNode => ({ label: 'Item', id, name: title });
const F = (type: string) => ({ type, direction: 'FORWARD' as const });
const B = (type: string) => ({ type, direction: 'BACKWARD' as const });

const PAST: Record<string, string> = {
  view: 'viewed', click: 'clicked', save: 'saved', like: 'liked', purchase: 'bought', rating: 'rated',
};

function people(n: number): string {
  return n === 1 ? '1 person' : `${n} people`;
}

function quote(title: string | null, id: string): string {
  return title ? `"${title}"` : `item ${id}`;
}

/** "on mobile", "in the evening", "on Saturdays", "in Berlin", or "with <kind> <value>" for other kinds. */
export function contextPhrase(c: ContextValue): string {
  switch (c.kind) {
    case 'device': return `on ${c.value}`;
    case 'timeOfDay': return `in the ${c.value}`;
    case 'weekday': return `on ${c.value}`;
    case 'location': return `in ${c.value}`;
    default: return `with ${c.kind} ${c.value}`;
  }
}

/**
 * Turns the evidence row of one recommended item into sentences, each with the graph paths it rests on.
 * Other users on a path are anonymous nodes (id null): their existence is evidence, their identity is not shared.
 */
export function reasonsFor(userId: string, row: ReasonRow): Reason[] {
  const out: Reason[] = [];
  const target = item(row.id);
  if (row.co && row.co.people > 0) {
    const verb = PAST[row.co.kind] ?? 'interacted with';
    out.push({
      kind: 'CO_INTERACTION',
      text: `You ${verb} ${quote(row.co.title, row.co.id)}; ${people(row.co.people)} who interacted with it also interacted with this.`,
      paths: [{
        nodes: [user(userId), item(row.co.id, row.co.title), user(null), target],
        relationships: [F('INTERACTED'), B('INTERACTED'), F('INTERACTED')],
      }],
    });
  }
  if (row.followees && row.followees > 0 && row.followeeIds) {
    out.push({
      kind: 'FOLLOWEES',
      text: row.followees === 1 ? `${row.followeeIds[0]}, whom you follow, interacted with it.` : `${row.followees} people you follow interacted with it.`,
      paths: row.followeeIds.map((f): GraphPath => ({
        nodes: [user(userId), user(f), target],
        relationships: [F('FOLLOWS'), F('INTERACTED')],
      })),
    });
  }
  if (row.popularIn && row.popularIn.length > 0) {
    out.push({
      kind: 'CONTEXT',
      text: `Popular ${row.popularIn.map(contextPhrase).join(' ')}.`,
      paths: row.popularIn.map((c): GraphPath => ({
        nodes: [target, { label: 'Context', id: `${c.kind}:${c.value}`, name: c.value }],
        relationships: [F('POPULAR_IN')],
      })),
    });
  }
  if (row.category) {
    const c = row.category;
    const cat: PathNode = { label: 'Category', id: c.name, name: c.name };
    out.push(c.viaId
      ? {
        kind: 'CATEGORY',
        text: `In ${c.name}, like ${quote(c.viaTitle, c.viaId)} that you interacted with.`,
        paths: [{ nodes: [user(userId), item(c.viaId, c.viaTitle), cat, target], relationships: [F('INTERACTED'), F('IN_CATEGORY'), B('IN_CATEGORY')] }],
      }
      : {
        kind: 'CATEGORY',
        text: `In ${c.name}, a category you asked for.`,
        paths: [{ nodes: [target, cat], relationships: [F('IN_CATEGORY')] }],
      });
  }
  if (out.length === 0 && row.popularity > 0) {
    out.push({
      kind: 'POPULARITY',
      text: `Popular: ${row.popularity === 1 ? '1 interaction' : `${row.popularity} interactions`} so far.`,
      paths: [{ nodes: [user(null), target], relationships: [F('INTERACTED')] }],
    });
  }
  return out;
}

/** One row of cypher/serving/similarReasons.cypher. */
export interface SimilarReasonRow {
  id: string;
  title?: string | null;
  people: number;
  category: string | null;
}

/** Reasons why item `row.id` is similar to `itemId`: shared audience and shared category, with their paths. */
export function similarReasonsFor(itemId: string, itemTitle: string | null, row: SimilarReasonRow): Reason[] {
  const out: Reason[] = [];
  const source = item(itemId, itemTitle);
  const target = item(row.id);
  if (row.people > 0) {
    out.push({
      kind: 'CO_INTERACTION',
      text: `${people(row.people)} who interacted with ${quote(itemTitle, itemId)} also interacted with this.`,
      paths: [{ nodes: [source, user(null), target], relationships: [B('INTERACTED'), F('INTERACTED')] }],
    });
  }
  if (row.category) {
    out.push({
      kind: 'CATEGORY',
      text: `Also in ${row.category}.`,
      paths: [{ nodes: [source, { label: 'Category', id: row.category, name: row.category }, target], relationships: [F('IN_CATEGORY'), B('IN_CATEGORY')] }],
    });
  }
  return out;
}
