import fs from 'node:fs';
import path from 'node:path';
import { isPositiveKind } from '../../src/graph/weights';
import { ImportValidationError } from '../../src/import/errors';
import { parseLightGcnFile } from '../../src/import/lightgcn';
import { parseMovieLens } from '../../src/import/movielens';
import { generateSynthetic } from '../../src/import/synthetic';
import { syntheticRows } from '../../src/import/synthetic-import';
import { FIXTURES, useTempDir } from '../helpers/files';

const FIX = FIXTURES;
const tmp = useTempDir('ig-import-unit-');
const file = tmp.file;

describe('import/lightgcn: parsing', () => {
  it('reads the fixture into one row per user with distinct items', () => {
    const f = parseLightGcnFile(path.join(FIX, 'lightgcn', 'train.txt'));
    expect(f.rows).toEqual([
      { user: '0', items: ['0', '1', '2'] },
      { user: '1', items: ['1', '3'] },
      { user: '2', items: ['0', '2', '4', '5'] },
      { user: '3', items: ['5'] },
    ]);
    expect(f.pairs).toBe(10);
  });

  it('merges a user on several lines, drops repeated items, canonicalises ids and tolerates CRLF and blank lines', () => {
    const f = parseLightGcnFile(file('dups.txt', '1 2 2 3\r\n\r\n01 3 4\n  \n2\t007\n'));
    expect(f.rows).toEqual([{ user: '1', items: ['2', '3', '4'] }, { user: '2', items: ['7'] }]);
    expect(f.pairs).toBe(4);
    expect(f.duplicates).toBe(2);
  });

  it('names file, line and value of a bad token', () => {
    const p = file('bad.txt', '1 2\n2 3 4e5\n');
    expect(() => parseLightGcnFile(p)).toThrow(new ImportValidationError(p, 2, '4e5', 'expected a non-negative integer id (`userId itemId itemId ...`)'));
    expect(() => parseLightGcnFile(p)).toThrow(`${p}:2: expected a non-negative integer id`);
  });
});

describe('import/movielens: parsing', () => {
  const ML = { ratings: path.join(FIX, 'movielens', 'ratings.csv'), items: path.join(FIX, 'movielens', 'items.csv'),
    users: path.join(FIX, 'movielens', 'users.csv') };

  it('reads quoted titles, categories, ratings with weights and optional timestamps', () => {
    const d = parseMovieLens(ML);
    expect(d.items.find((i) => i.id === 'm3')).toEqual({ id: 'm3', title: 'Heat, The (1995)', categories: ['Action', 'Crime', 'Thriller'] });
    expect(d.items.find((i) => i.id === 'm4')?.categories).toEqual([]);
    expect(d.categories).toHaveLength(8);
    expect(d.users).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(d.ratings.find((r) => r.user === 'u2' && r.item === 'm2')).toEqual({ user: 'u2', item: 'm2', rating: 2, weight: 2, at: null });
    expect(d.ratings.find((r) => r.user === 'u1' && r.item === 'm1')?.at).toBe(964982703000);
  });

  it('keeps the last of repeated ratings and counts them, and takes users from ratings without a users file', () => {
    const ratings = file('r.csv', 'userId,itemId,rating,timestamp\nu1,m1,2,1\nu1,m1,4,2\nu7,m2,3,3\n');
    const d = parseMovieLens({ ratings, items: ML.items });
    expect(d.duplicateRatings).toBe(1);
    expect(d.ratings.filter((r) => r.user === 'u1')).toEqual([{ user: 'u1', item: 'm1', rating: 4, weight: 4, at: 2000 }]);
    expect(d.users).toEqual(['u1', 'u7']);
  });

  it('rejects a rating by a user missing from the users file, and a missing required column', () => {
    const ratings = file('r2.csv', 'userId,itemId,rating\nu9,m1,2\n');
    expect(() => parseMovieLens({ ...ML, ratings })).toThrow(`${ratings}:2: expected a userId listed in ${ML.users}, got "u9"`);
    const noRating = file('r3.csv', 'userId,itemId\nu1,m1\n');
    expect(() => parseMovieLens({ ...ML, ratings: noRating })).toThrow(`${noRating}:1: header must contain the column "rating"`);
  });
});

describe('import/synthetic: rows written to Neo4j', () => {
  it('counts context activity over positive interactions only', () => {
    const d = generateSynthetic({ users: 50, seed: 2 });
    const rows = syntheticRows(d);
    const positives = d.interactions.filter((e) => isPositiveKind(e.kind)).length;
    expect(rows.activeIn.reduce((s, r) => s + r.count, 0)).toBe(3 * positives);
    expect(rows.popularIn.reduce((s, r) => s + r.count, 0)).toBe(3 * positives);
    expect(rows.interactions[0].contexts).toEqual(d.interactions[0].contexts.map((c) => `${c.kind}:${c.value}`));
  });
});
