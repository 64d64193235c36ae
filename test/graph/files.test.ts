import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { binaryCsr, InteractionFileError, loadInteractionFiles, parseInteractionBuffer } from '../../src/graph/files';

function rowsOf(csr: { rows: number; indptr: Int32Array; indices: Int32Array }): number[][] {
  const out: number[][] = [];
  for (let r = 0; r < csr.rows; r++) out.push(Array.from(csr.indices.subarray(csr.indptr[r], csr.indptr[r + 1])));
  return out;
}

describe('graph/files: reading the LightGCN text format', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ig-files-'));
  writeFileSync(join(dir, 'train.txt'), '0 3 1 2\n1 4\r\n\n2 0 0 5\n3\n');
  writeFileSync(join(dir, 'test.txt'), '0 6\n2 1\t4\n4 2');

  it('loads train and test into CSRs sized by the largest index in either file', () => {
    const d = loadInteractionFiles(dir);
    expect(d.numUsers).toBe(5);
    expect(d.numItems).toBe(7);
    expect(rowsOf(d.train)).toEqual([[1, 2, 3], [4], [0, 5], [], []]);
    expect(rowsOf(d.test!)).toEqual([[6], [], [1, 4], [], [2]]);
    expect(Array.from(d.train.values)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(d.userIds).toEqual(['0', '1', '2', '3', '4']);
    expect(d.name).toBe(dir.split('/').pop());
  });

  it('works without a test file', () => {
    const d2 = mkdtempSync(join(tmpdir(), 'ig-files-'));
    writeFileSync(join(d2, 'train.txt'), '0 1\n1 0\n');
    const d = loadInteractionFiles(d2);
    expect(d.test).toBeUndefined();
    expect(d.numItems).toBe(2);
  });

  it('names file, line and value on malformed input', () => {
    const d2 = mkdtempSync(join(tmpdir(), 'ig-files-'));
    const f = join(d2, 'train.txt');
    writeFileSync(f, '0 1 2\n1 2 x7 3\n');
    expect(() => loadInteractionFiles(d2)).toThrow(`${f}:2: invalid value "x7", expected a non-negative integer item id`);
    expect(() => parseInteractionBuffer(Buffer.from('0 1\n\n-3 2\n'), 'a.txt')).toThrow(
      'a.txt:3: invalid value "-3", expected a non-negative integer user id',
    );
    expect(() => parseInteractionBuffer(Buffer.from('0 12ab\n'), 'b.txt')).toThrow(InteractionFileError);
    expect(() => parseInteractionBuffer(Buffer.from('0 99999999999\n'), 'c.txt')).toThrow('c.txt:1: invalid value "99999999999"');
  });

  it('reports an unreadable path by name', () => {
    expect(() => loadInteractionFiles({ train: join(dir, 'nope.txt') })).toThrow(/nope\.txt/);
  });

  it('builds a binary CSR that sorts and deduplicates each row', () => {
    const c = binaryCsr(2, 4, Int32Array.from([1, 0, 1, 1, 0]), Int32Array.from([3, 2, 0, 3, 2]));
    expect(Array.from(c.indptr)).toEqual([0, 1, 3]);
    expect(Array.from(c.indices)).toEqual([2, 0, 3]);
    expect(() => binaryCsr(1, 4, Int32Array.from([1]), Int32Array.from([0]))).toThrow('binaryCsr: user 1 out of range [0, 1)');
  });
});
