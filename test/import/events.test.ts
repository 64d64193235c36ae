import fs from 'node:fs';
import path from 'node:path';
import { timeOfDayOf, weekdayOf } from '../../src/graph/contexts';
import { ImportMappingError, ImportValidationError } from '../../src/import/errors';
import { parseEvents, parseEventsMapping, parseTime } from '../../src/import/events';
import { ml100kRows } from '../../src/import/ml100k';
import { writeBulkFiles } from '../../src/import/bulk';
import { lightGcnRows } from '../../src/import/lightgcn';
import { FIXTURES, useTempDir } from '../helpers/files';

const FIX = FIXTURES;
const ML = path.join(FIX, 'ml-100k');
const tmp = useTempDir('ig-events-unit-');
const file = tmp.file;

describe('import/events: times', () => {
  it('reads ISO 8601 with and without a zone (UTC), dates, and epoch seconds or milliseconds by magnitude', () => {
    expect(parseTime('2026-07-01T18:30:00Z', 'auto')).toEqual({ ms: Date.UTC(2026, 6, 1, 18, 30), unit: 'iso' });
    expect(parseTime('2026-07-01T20:30:00+02:00', 'auto')).toEqual({ ms: Date.UTC(2026, 6, 1, 18, 30), unit: 'iso' });
    expect(parseTime('2026-07-01 18:30', 'auto')).toEqual({ ms: Date.UTC(2026, 6, 1, 18, 30), unit: 'iso' });
    expect(parseTime('2026-07-01', 'auto')).toEqual({ ms: Date.UTC(2026, 6, 1), unit: 'iso' });
    expect(parseTime('2026-07-01T18:30:00.123456Z', 'auto')).toEqual({ ms: Date.UTC(2026, 6, 1, 18, 30, 0, 123), unit: 'iso' });
    expect(parseTime('1782895200', 'auto')).toEqual({ ms: 1782895200000, unit: 's' });
    expect(parseTime('1782895200123', 'auto')).toEqual({ ms: 1782895200123, unit: 'ms' });
    expect(parseTime('1782895200', 'ms')).toEqual({ ms: 1782895200, unit: 'ms' });
  });

  it('rejects impossible dates, other text, and times outside 1970-2099', () => {
    for (const bad of ['2026-02-30T10:00:00Z', '2026-13-01', '2026-07-01T25:00:00Z', 'yesterday', '', '-5', '99999999999999999']) {
      expect(parseTime(bad, 'auto')).toEqual({ error: expect.stringMatching(/^expected a time in ISO 8601/) });
    }
    expect(parseTime('2026-07-01T10:00:00Z', 's')).toEqual({ error: expect.stringMatching(/expected epoch seconds/) });
  });

  it('derives time of day and weekday in UTC, as the synthetic generator draws them', () => {
    expect([5, 6, 11, 12, 17, 18, 22, 23].map((h) => timeOfDayOf(Date.UTC(2026, 6, 1, h, 30))))
      .toEqual(['night', 'morning', 'morning', 'afternoon', 'afternoon', 'evening', 'evening', 'night']);
    expect(weekdayOf(Date.UTC(2026, 6, 4))).toBe('sat');
  });
});

describe('import/events: the mapping', () => {
  it('has defaults and takes column names, a unit, contexts, kinds and typed attributes', () => {
    expect(parseEventsMapping([])).toMatchObject({ user: 'user', item: 'item', kind: 'kind', at: 'at', atUnit: 'auto', contexts: [] });
    const m = parseEventsMapping(['user=cid,item=sku', 'at=ts:ms,context.device=dev,kind.cart=save,kind.search=skip,user.age=age:integer,item.title=name'],
      { derive: 'weekday' });
    expect(m).toMatchObject({ user: 'cid', item: 'sku', at: 'ts', atUnit: 'ms', contexts: [{ kind: 'device', column: 'dev' }], derive: ['weekday'],
      kinds: { cart: 'save', search: 'skip' }, userFile: { attributes: { age: { column: 'age', type: 'integer' } } }, itemFile: { title: 'name' } });
  });

  it('rejects unknown keys, kinds, types and reserved attribute names with what is accepted', () => {
    expect(() => parseEventsMapping(['usr=x'])).toThrow(ImportMappingError);
    expect(() => parseEventsMapping(['usr=x'])).toThrow(/unknown key "usr"; expected user, item/);
    expect(() => parseEventsMapping(['kind.cart=basket'])).toThrow(/expected one of view, click, save, like, purchase, rating, dismiss, dislike or skip, got "basket"/);
    expect(() => parseEventsMapping(['user.age=age:number'])).toThrow(/unknown type "number"; expected string, integer, float, date/);
    expect(() => parseEventsMapping(['user.id2=x', 'user.createdAt=y'])).toThrow(/"createdAt" cannot be an attribute name/);
    expect(() => parseEventsMapping(['user=a', 'user=b'])).toThrow(/"user" is mapped twice/);
    expect(() => parseEventsMapping([], { kind: 'bought' })).toThrow(/--kind: expected one of/);
    expect(() => parseEventsMapping([], { derive: 'season' })).toThrow(/--derive: expected timeOfDay and\/or weekday/);
  });
});

describe('import/events: validation of the files', () => {
  it('takes every kind from one column, a constant kind, and ratings with their weight', () => {
    const ev = file('r.csv', 'u,i,t,stars\na,x,1782895200,4\nb,x,1782895300,2.5\n');
    const { rows } = parseEvents({ events: ev }, parseEventsMapping(['user=u,item=i,at=t,rating=stars'], { kind: 'rating' }));
    expect(rows.interactions.map((e) => [e.kind, e.rating, e.weight])).toEqual([['rating', 4, 4], ['rating', 2.5, 2.5]]);
    const bad = file('r2.csv', 'u,i,t,stars\na,x,1782895200,7\n');
    expect(() => parseEvents({ events: bad }, parseEventsMapping(['user=u,item=i,at=t,rating=stars'], { kind: 'rating' })))
      .toThrow(`${bad}:2: expected a rating in (0, 5] in column "stars" for kind rating, got "7"`);
  });

  it('rejects bad attribute values, attribute columns that cannot be property names, and unknown file types', () => {
    const ev = file('e.csv', 'user,item,kind,at\na,x,view,1782895200\n');
    const users = file('u.csv', 'id,age\na,old\n');
    expect(() => parseEvents({ events: ev, users }, parseEventsMapping(['user.age=age:integer']))).toThrow(`${users}:2: expected an integer in column age, got "old"`);
    const users2 = file('u2.csv', 'id,home town\na,Rome\n');
    expect(() => parseEvents({ events: ev, users: users2 }, parseEventsMapping([]))).toThrow(new RegExp(`${users2}:1: .*"home town" cannot be an attribute name`));
    const xml = file('e.xml', '<x/>');
    expect(() => parseEvents({ events: xml }, parseEventsMapping([]))).toThrow(ImportValidationError);
  });
});

describe('import/ml100k: the folder as rows, through src/graph/ml100kFiles.ts', () => {
  it('reads u.genre, u.item (dates, flags in u.genre order), u.user and the split files into rows', () => {
    const rows = ml100kRows(ML);
    expect(rows.categories).toHaveLength(19);
    expect(rows.categories.slice(0, 3)).toEqual(['unknown', 'Action', 'Adventure']);
    expect(rows.items[0]).toEqual({ id: '1', title: 'Toy Story (1995)', attributes: { releaseDate: { type: 'date', value: '1995-01-01' } } });
    expect(rows.inCategory.filter((c) => c.item === '1').map((c) => c.category)).toEqual(['Animation', "Children's", 'Comedy']);
    expect(rows.items[3].attributes).toEqual({ releaseDate: { type: 'date', value: '1971-02-04' } });
    expect(rows.items[4].attributes).toEqual({});
    expect(rows.inCategory.filter((c) => c.item === '5').map((c) => c.category)).toEqual(['unknown']);
    expect(rows.users[3]).toEqual({ id: '4', attributes: { age: { type: 'integer', value: 24 }, gender: { type: 'string', value: 'M' },
      occupation: { type: 'string', value: 'technician' }, zip: { type: 'string', value: 'T8H1N' } } });
    expect(rows.interactions[0]).toMatchObject({ user: '1', item: '1', kind: 'rating', rating: 5, weight: 5, at: 874965478000 });
  });

  it('names file, line and value of a bad line, and a rating of an unlisted movie', () => {
    const copy = () => {
      const dir = fs.mkdtempSync(path.join(tmp.dir, 'ml-'));
      for (const f of fs.readdirSync(ML)) fs.copyFileSync(path.join(ML, f), path.join(dir, f));
      return dir;
    };
    const bad = copy();
    fs.writeFileSync(path.join(bad, 'u.item'), `1|A (1995)|32-Jan-1995||${'|0'.repeat(19)}\n`);
    expect(() => ml100kRows(bad)).toThrow(`${path.join(bad, 'u.item')}:1: expected a release date D-Mon-YYYY (e.g. 01-Jan-1995) or empty, got "32-Jan-1995"`);
    const dir = copy();
    fs.appendFileSync(path.join(dir, 'train.tsv'), '1\t99\t3\t874965478\n');
    expect(() => ml100kRows(dir)).toThrow(`${path.join(dir, 'train.tsv')}:7: expected an item id of u.item, got "99"`);
    fs.rmSync(path.join(dir, 'u.user'));
    expect(() => ml100kRows(dir)).toThrow(`${path.join(dir, 'u.user')}: expected an existing file, got "${path.join(dir, 'u.user')}"`);
  });
});

describe('import/bulk: the CSV files for neo4j-admin', () => {
  it('writes typed headers, dense integer ids, and leaves out columns no row has', () => {
    const dir = path.join(tmp.dir, 'bulk-ml');
    const m = writeBulkFiles(ml100kRows(ML), dir);
    expect(m.nodes.map((n) => n.label)).toEqual(['User', 'Item', 'Category', 'Context']);
    const read = (n: string) => fs.readFileSync(path.join(dir, `${n}.csv`), 'utf8').trim().split('\n');
    expect(read('users').slice(0, 2)).toEqual([':ID(User),id,age:long,gender:string,occupation:string,zip:string', '0,"1",24,"M","technician","85711"']);
    expect(read('items')[0]).toBe(':ID(Item),id,title,releaseDate:date');
    expect(read('items')[5]).toBe('4,"5","unknown",');
    expect(read('interacted')[0]).toBe(':START_ID(User),:END_ID(Item),kind,weight:double,rating:double,at:datetime,contexts:string[]');
    expect(read('interacted')[1]).toBe('0,0,"rating",5,5,1997-09-22T21:57:58.000Z,"timeOfDay:evening;weekday:mon"');
    const lg = path.join(tmp.dir, 'bulk-lg');
    writeBulkFiles(lightGcnRows(path.join(FIX, 'lightgcn')), lg);
    expect(fs.readFileSync(path.join(lg, 'interacted.csv'), 'utf8').split('\n')[0]).toBe(':START_ID(User),:END_ID(Item),kind,weight:double');
  });
});
