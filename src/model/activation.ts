/**
 * Activating a chosen model version by hand (the admin `activateModel` mutation): a rollback to the previous
 * version or a roll forward to one the quality gate kept `ready`. The switch is the registry's one transaction
 * (registry.activateModel), which first folds the interactions recorded since the version's training data was
 * extracted into its user embeddings, so the version serves every user as they are now.
 */
import type { Executor } from '../db/executor';
import { activateModel, getModel, type ModelVersion } from './registry';

/** No model version has this version string. */
export class ModelVersionNotFoundError extends Error {
  constructor(readonly version: string) {
    super(`no model version "${version}"`);
    this.name = 'ModelVersionNotFoundError';
  }
}

/** The version exists but cannot serve: failed, still writing, or retired (its vectors were overwritten). */
export class ModelNotActivatableError extends Error {
  constructor(readonly version: string, readonly status: string) {
    super(`model version "${version}" is ${status}${status === 'retired' ? ' (its vectors were overwritten by a later run)' : ''}; ` +
      'only a ready, inactive or active version with its vectors can be activated');
    this.name = 'ModelNotActivatableError';
  }
}

const ACTIVATABLE = new Set(['ready', 'inactive', 'active']);

function check(version: string, m: ModelVersion | null): ModelVersion {
  if (!m) throw new ModelVersionNotFoundError(version);
  if (!ACTIVATABLE.has(m.status) || !m.slot) throw new ModelNotActivatableError(version, m.status);
  return m;
}

/**
 * Makes `version` the served one (atomically, see the module comment); activating the active version changes
 * nothing. Throws ModelVersionNotFoundError or ModelNotActivatableError, also when a training run retired the
 * version between the check and the switch.
 */
export async function activateVersion(db: Executor, version: string): Promise<{ version: string; previous: string[]; caughtUp: number }> {
  const m = check(version, await getModel(db, version));
  if (m.active) return { version, previous: [], caughtUp: 0 };
  // versions trained by the training job record when their data was extracted; else the claim time (a little later)
  const extract = m.params.extract as { at?: unknown } | undefined;
  const since = typeof extract?.at === 'string' ? extract.at : m.trainedAt ?? undefined;
  try {
    return await activateModel(db, version, { foldInSince: since });
  } catch (err) {
    check(version, await getModel(db, version)); // a concurrent run may have retired it: say so
    throw err;
  }
}
