import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/paths';

/** The committed test fixtures (test/fixtures), wherever the test file that reads them lives. */
export const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures');

/** A temporary folder made before the tests of the enclosing block (or file) and removed after them. */
export function useTempDir(prefix: string): { readonly dir: string; file(name: string, text: string): string } {
  let dir = '';
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    get dir() {
      return dir;
    },
    /** Writes `text` to `name` in the folder and returns its path. */
    file(name: string, text: string): string {
      const p = path.join(dir, name);
      fs.writeFileSync(p, text);
      return p;
    },
  };
}
