/**
 * The quality gate of training: a new model version is activated only if its held-out check is not worse than
 * the active version's by more than a tolerance (TRAIN_GATE_TOLERANCE). Otherwise the version stays `ready`
 * (activatable by hand with the admin `activateModel` mutation) and the run records why.
 */

/** The held-out metric the gate compares: Recall@20 of the served score on sampled HELD_OUT users (interestModel.fitGraph). */
export const GATE_METRIC = 'heldOutRecall20';

/** What the gate decided for one run. */
export interface GateDecision {
  passed: boolean;
  metric: string;
  /** The new version's value of the metric (null when its run skipped the held-out check). */
  candidate: number | null;
  /** The active version and its value (null when none is active or it has no held-out check). */
  activeVersion: string | null;
  active: number | null;
  /** Relative tolerance: passes when candidate >= active x (1 - tolerance). */
  tolerance: number;
  /** A sentence for operators, also when it passed. */
  reason: string;
}

const fmt = (x: number) => x.toFixed(4);

/**
 * Decides whether a version with `candidate` metrics may replace the active one (`active`: its version and
 * metrics, or null when none is active). Passes when nothing is active, when the active version has no
 * held-out value to compare with, or when the candidate is within the tolerance; fails when the candidate
 * is worse beyond it, or has no held-out value while the active version has one.
 */
export function gateDecision(candidate: Record<string, unknown> | null, active: { version: string; metrics: Record<string, unknown> } | null,
  tolerance: number): GateDecision {
  if (!(tolerance >= 0 && tolerance <= 1)) throw new Error(`gate: tolerance must be a number from 0 to 1, got ${tolerance}`);
  const value = (m: Record<string, unknown> | null | undefined): number | null => {
    const v = m?.[GATE_METRIC];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const c = value(candidate);
  const a = value(active?.metrics);
  const base = { metric: GATE_METRIC, candidate: c, activeVersion: active?.version ?? null, active: a, tolerance };
  if (!active) return { ...base, passed: true, reason: 'no version is active' };
  if (a === null) return { ...base, passed: true, reason: `the active version ${active.version} has no held-out check to compare with` };
  if (c === null) {
    return { ...base, passed: false, reason: `the new version has no held-out check (evalUsers 0 or no HELD_OUT data) while the active version ${active.version} has ${GATE_METRIC} ${fmt(a)}` };
  }
  const floor = a * (1 - tolerance);
  if (c >= floor) {
    return { ...base, passed: true, reason: `${GATE_METRIC} ${fmt(c)} against ${fmt(a)} of the active version ${active.version} (floor ${fmt(floor)} at tolerance ${tolerance})` };
  }
  const worse = a > 0 ? ((a - c) / a) * 100 : 100;
  return { ...base, passed: false, reason: `${GATE_METRIC} ${fmt(c)} is ${worse.toFixed(1)}% below ${fmt(a)} of the active version ${active.version} ` +
    `(tolerance ${(tolerance * 100).toFixed(1)}%, floor ${fmt(floor)}); the version stays ready` };
}
