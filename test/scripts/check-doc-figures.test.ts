import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';

/** The docs' figures stay backed by the committed bench JSON: scripts/check-doc-figures.mjs must pass. */
describe('docs: every figure links the bench JSON that holds it', () => {
  it('finds no figure without its JSON in README.md, docs/ and bench/README.md', () => {
    const root = PROJECT_ROOT;
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'check-doc-figures.mjs')], { cwd: root, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toMatch(/every figure in \d+ files links/);
    expect(r.status).toBe(0);
  });
});
