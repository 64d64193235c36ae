/**
 * Interaction kinds and their weights: the one place where "how much does a purchase count" is decided.
 * Imports, training extraction and recordInteraction all read the weight of an INTERACTED edge from here.
 */

/** Kinds that are positive evidence of interest, with their weights. */
export const POSITIVE_KIND_WEIGHTS = Object.freeze({
  view: 1,
  click: 2,
  save: 3,
  like: 3,
  purchase: 5,
} as const);

/** Kinds that are negative feedback: stored with weight -1, never positive edges for training. */
export const NEGATIVE_KINDS = Object.freeze(['dismiss', 'dislike'] as const);

/** Every interaction kind the graph accepts; `rating` carries its own weight (the rating on a 0..5 scale). */
export const INTERACTION_KINDS = Object.freeze([
  ...(Object.keys(POSITIVE_KIND_WEIGHTS) as (keyof typeof POSITIVE_KIND_WEIGHTS)[]),
  'rating',
  ...NEGATIVE_KINDS,
] as const);

/** One of the interaction kinds in INTERACTION_KINDS. */
export type InteractionKind = (typeof INTERACTION_KINDS)[number];

/** The highest rating value; a rating r weighs r / RATING_MAX * 5 (so a 5-star rating weighs like a purchase). */
export const RATING_MAX = 5;

/** True when `kind` is one of INTERACTION_KINDS. */
export function isInteractionKind(kind: string): kind is InteractionKind {
  return (INTERACTION_KINDS as readonly string[]).includes(kind);
}

/**
 * Returns the weight of an interaction: the fixed weight of its kind, the scaled rating for `rating`
 * (which then requires `rating` in (0, RATING_MAX]), or -1 for negative feedback.
 */
export function interactionWeight(kind: string, rating?: number): number {
  if (kind === 'rating') {
    if (rating === undefined || !Number.isFinite(rating) || rating <= 0 || rating > RATING_MAX) {
      throw new Error(`interactionWeight: kind "rating" needs a rating in (0, ${RATING_MAX}], got ${rating}`);
    }
    return (rating / RATING_MAX) * 5;
  }
  if ((NEGATIVE_KINDS as readonly string[]).includes(kind)) return -1;
  const w = (POSITIVE_KIND_WEIGHTS as Record<string, number>)[kind];
  if (w === undefined) {
    throw new Error(`interactionWeight: unknown interaction kind "${kind}", expected one of ${INTERACTION_KINDS.join(', ')}`);
  }
  return w;
}

/** True when an interaction of this kind is positive evidence (an edge that training propagates over). */
export function isPositiveKind(kind: string): boolean {
  return kind === 'rating' || Object.prototype.hasOwnProperty.call(POSITIVE_KIND_WEIGHTS, kind);
}

/**
 * The training weight of one stored INTERACTED edge (before time decay), or 0 when it is not a training edge:
 * the fixed weight of a positive kind, the stored weight of a `rating` (when positive); negative, unknown and
 * weightless rating edges give 0. Training's extraction (src/graph/builder.ts) and serving's input row use it.
 */
export function trainingEdgeWeight(kind: string | null, storedWeight: number | null): number {
  const k = kind ?? '';
  if (!isInteractionKind(k) || !isPositiveKind(k)) return 0;
  if (k === 'rating') return typeof storedWeight === 'number' && storedWeight > 0 ? storedWeight : 0;
  return interactionWeight(k);
}
