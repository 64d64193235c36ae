import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../config';
import { PROJECT_ROOT } from '../paths';

const SCRIPT = path.join(PROJECT_ROOT, 'scripts', 'neo4j.mjs');

/**
 * Starts the project's own local Neo4j (installing it from Maven Central on first use) when no
 * NEO4J_URI is configured; does nothing when one is. Throws with the script's message when it fails.
 */
export function ensureLocalNeo4j(config: Pick<Config, 'neo4jLocal'>): void {
  if (!config.neo4jLocal) return;
  const r = spawnSync(process.execPath, [SCRIPT, 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new Error(`could not run ${SCRIPT}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`the local Neo4j did not start (scripts/neo4j.mjs exited with ${r.status}); see the message above`);
}
