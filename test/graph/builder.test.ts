import { HeteroGraphBuilder } from '../../src/graph/builder';
import type { Csr } from '../../src/graph/csr';

function dense(a: Csr): number[][] {
  const out = Array.from({ length: a.rows }, () => new Array<number>(a.cols).fill(0));
  for (let r = 0; r < a.rows; r++) for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) out[r][a.indices[k]] = a.values[k];
  return out;
}

const ctx = [{ kind: 'device', value: 'mobile' }, { kind: 'timeOfDay', value: 'evening' }];

describe('graph/builder: heterogeneous graph from edge rows', () => {
  it('sums kind weights per user-item pair and leaves negative feedback out', () => {
    const b = new HeteroGraphBuilder(['u1', 'u2'], ['i1', 'i2', 'i3'], [], []);
    b.addInteraction('u1', 'i1', 'view', 1, null);
    b.addInteraction('u1', 'i1', 'purchase', 5, null);
    b.addInteraction('u1', 'i2', 'dismiss', -1, null);
    b.addInteraction('u2', 'i3', 'click', 2, null);
    b.addInteraction('u2', 'i2', 'rating', 4, null);
    const { graph, stats } = b.build('t');
    expect(dense(graph.train)).toEqual([[6, 0, 0], [0, 4, 2]]);
    expect(stats.negativeSkipped).toBe(1);
    expect(stats.trainPairs).toBe(3);
  });

  it('keeps each pair\'s latest time and the contexts of its latest interaction, aligned with train\'s entries', () => {
    const b = new HeteroGraphBuilder(['u1', 'u2'], ['i1', 'i2'], [], ctx);
    b.addInteraction('u1', 'i2', 'view', 1, 200, ['timeOfDay:evening']);
    b.addInteraction('u1', 'i2', 'purchase', 5, 100, ['device:mobile', 'device:mobile']);
    b.addInteraction('u1', 'i1', 'view', 1, 50, ['nokind', 'device:tablet']);
    b.addInteraction('u2', 'i1', 'view', 1, null, ['device:mobile']);
    const { graph } = b.build('t');
    // entries in train order: (u1, i1), (u1, i2), (u2, i1)
    expect(Array.from(graph.trainTimes!)).toEqual([50, 200, NaN]);
    expect(dense(graph.trainContexts!)).toEqual([[0, 0], [0, 1], [1, 0]]);
    const undated = new HeteroGraphBuilder(['u'], ['i'], [], ctx);
    undated.addInteraction('u', 'i', 'view', 1, null);
    expect(undated.build('t').graph.trainTimes).toBeUndefined();
    expect(undated.build('t').graph.trainContexts).toBeUndefined();
  });

  it('takes weights from the kind, not from a stale stored weight', () => {
    const b = new HeteroGraphBuilder(['u'], ['i'], [], []);
    b.addInteraction('u', 'i', 'purchase', 1, null);
    expect(dense(b.build('t').graph.train)).toEqual([[5]]);
  });

  it('skips and counts unknown kinds instead of guessing a weight', () => {
    const b = new HeteroGraphBuilder(['u'], ['i'], [], []);
    b.addInteraction('u', 'i', 'teleport', 9, null);
    b.addInteraction('u', 'i', null, 9, null);
    const { graph, stats } = b.build('t');
    expect(graph.train.indices.length).toBe(0);
    expect(stats.unknownKindSkipped).toBe(2);
    expect(Object.fromEntries(b.unknownKinds)).toEqual({ teleport: 1, '': 1 });
  });

  it('halves a weight per half-life of age when decay is on, measured from the latest interaction', () => {
    const day = 86_400_000;
    const b = new HeteroGraphBuilder(['u'], ['a', 'b', 'c'], [], [], { halfLifeDays: 10 });
    b.addInteraction('u', 'a', 'purchase', 5, 100 * day);
    b.addInteraction('u', 'b', 'purchase', 5, 90 * day);
    b.addInteraction('u', 'c', 'purchase', 5, null);
    const row = dense(b.build('t').graph.train)[0];
    expect(row[0]).toBeCloseTo(5, 6);
    expect(row[1]).toBeCloseTo(2.5, 6);
    expect(row[2]).toBeCloseTo(5, 6);
  });

  it('rejects a non-positive half-life, naming the value', () => {
    expect(() => new HeteroGraphBuilder([], [], [], [], { halfLifeDays: 0 })).toThrow(/halfLifeDays.*got 0/);
  });

  it('builds held-out, category, context and follow relations with the right shapes', () => {
    const b = new HeteroGraphBuilder(['u1', 'u2'], ['i1', 'i2'], ['books'], ctx);
    b.addHeldOut('u2', 'i1');
    b.addHeldOut('u2', 'i1');
    b.addItemCategory('i2', 'books');
    b.addUserContext('u1', 'timeOfDay', 'evening', 3);
    b.addItemContext('i1', 'device', 'mobile', 7);
    b.addFollow('u1', 'u2');
    const { graph } = b.build('t');
    expect(dense(graph.test!)).toEqual([[0, 0], [1, 0]]);
    expect(dense(graph.itemCategory)).toEqual([[0], [1]]);
    expect(dense(graph.userContext)).toEqual([[0, 3], [0, 0]]);
    expect(dense(graph.itemContext)).toEqual([[7, 0], [0, 0]]);
    expect(dense(graph.follows)).toEqual([[0, 1], [0, 0]]);
  });

  it('fails loudly on an edge to an unknown node, naming the relation and id', () => {
    const b = new HeteroGraphBuilder(['u'], ['i'], [], []);
    expect(() => b.addInteraction('u', 'nope', 'view', 1, null)).toThrow(/INTERACTED names item "nope"/);
    expect(() => b.addUserContext('u', 'device', 'tv', 1)).toThrow(/ACTIVE_IN names context device\/tv/);
  });

  it('rejects duplicate ids in a node list', () => {
    expect(() => new HeteroGraphBuilder(['u', 'u'], [], [], [])).toThrow(/duplicate user id "u"/);
  });

  it('skips and counts edges to nodes it does not know when reading a live graph', () => {
    const b = new HeteroGraphBuilder(['u'], ['i'], [], [], { unknownNodes: 'skip' });
    b.addInteraction('u', 'new-item', 'view', 1, null);
    b.addHeldOut('new-user', 'i');
    b.addFollow('u', 'new-user');
    b.addInteraction('u', 'i', 'view', 1, null);
    const { graph, stats } = b.build('t');
    expect(dense(graph.train)).toEqual([[1]]);
    expect(stats.unknownNodeSkipped).toBe(3);
  });

  it('forgets a relation on clear, so a retried read does not count edges twice', () => {
    const b = new HeteroGraphBuilder(['u'], ['i'], [], []);
    b.addInteraction('u', 'i', 'view', 1, null);
    b.addInteraction('u', 'i', 'dismiss', -1, null);
    b.clear('interactions');
    b.addInteraction('u', 'i', 'click', 2, null);
    const { graph, stats } = b.build('t');
    expect(dense(graph.train)).toEqual([[2]]);
    expect(stats).toMatchObject({ interactions: 1, negativeSkipped: 0 });
  });
});
