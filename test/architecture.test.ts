import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const CLI = path.join(ROOT, 'node_modules', '.bin', 'depcruise');

/** dependency-cruiser over `dir`/src with the project's rules: its exit code and its report of violations. */
function cruise(dir: string): { status: number | null; report: string } {
  const r = spawnSync(process.execPath, [CLI, 'src', '--config', CONFIG, '--output-type', 'err'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status, report: `${r.stdout}${r.stderr}` };
}

describe('the layers of src (.dependency-cruiser.cjs)', () => {
  it('holds for src: no folder or module cycle, no import against the layer order', () => {
    const { status, report } = cruise(ROOT);
    expect(report).not.toMatch(/error /);
    expect(status).toBe(0);
  });

  it('fails on a folder cycle and on an import against the layer order', () => {
    // a tree with graph -> model -> graph, as src had before the graph's types moved out of model/
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ig-layers-'));
    try {
      fs.mkdirSync(path.join(dir, 'src', 'graph'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'src', 'model'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'src', 'graph', 'builder.ts'), "import type { Trained } from '../model/types';\nexport type Built = Trained;\n");
      fs.writeFileSync(path.join(dir, 'src', 'graph', 'csr.ts'), 'export interface Csr { rows: number }\n');
      fs.writeFileSync(path.join(dir, 'src', 'model', 'types.ts'), "import type { Csr } from '../graph/csr';\nexport type Trained = Csr;\n");
      const { status, report } = cruise(dir);
      expect(status).not.toBe(0);
      expect(report).toMatch(/no-folder-cycle/);
      expect(report).toMatch(/model-above-graph/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
