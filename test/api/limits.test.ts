import { parse, Kind, OperationDefinitionNode, FragmentDefinitionNode } from 'graphql';
import { queryDepth } from '../../src/api/limits';
import { decodeAfter, encodeCursor, pageArgs, toPage } from '../../src/api/common/pagination';

function depthOf(q: string): number {
  const doc = parse(q);
  const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  const frags = new Map(doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
  return queryDepth(op, frags);
}

describe('api/limits: query depth', () => {
  it('counts field nesting through fragments and inline fragments, ignoring introspection fields', () => {
    expect(depthOf('{ a { b { c } } }')).toBe(3);
    expect(depthOf('{ a { ...F } } fragment F on T { b { c { d } } }')).toBe(4);
    expect(depthOf('{ a { ... on T { b } } __typename }')).toBe(2);
  });
});

describe('api/pagination: cursors', () => {
  it('round-trips offsets and pages with hasNextPage', () => {
    expect(decodeAfter(encodeCursor(4))).toBe(5);
    expect(decodeAfter(null)).toBe(0);
    const { skip, limit, first } = pageArgs(2, encodeCursor(1), 100);
    expect({ skip, limit, first }).toEqual({ skip: 2, limit: 3, first: 2 });
    const page = toPage(['c', 'd', 'e'], skip, first);
    expect(page.edges.map((e) => e.node)).toEqual(['c', 'd']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: encodeCursor(3) });
  });

  it('rejects foreign cursors and out-of-range first with BAD_USER_INPUT naming the argument', () => {
    expect(() => decodeAfter('bm9wZQ')).toThrow('Argument "after"');
    expect(() => pageArgs(0, null, 100)).toThrow('Argument "first" must be an integer from 1 to 100, got 0.');
  });
});

describe('api/limits: strings, surrogates and clipped values (issue 13)', () => {
  it('finds lone surrogates but not pairs', () => {
    const { hasLoneSurrogate } = jest.requireActual('../../src/api/limits') as typeof import('../../src/api/limits');
    expect(hasLoneSurrogate('plain é 😀')).toBe(false);
    for (const s of ['a\ud800', '\udfffb', 'x\ud83d', '\ude00y']) expect(hasLoneSurrogate(s)).toBe(true);
  });

  it('refuses over-long or ill-formed strings in variables and literals, naming where they were', () => {
    const { checkStrings } = jest.requireActual('../../src/api/limits') as typeof import('../../src/api/limits');
    const doc = parse('query($i: RecordInteractionInput!) { item(id: "ok") { id } recordInteraction(input: $i) { replayed } }');
    expect(() => checkStrings(doc, { i: { userId: 'u', context: [{ kind: 'k', value: 'v'.repeat(11) }] } }, 10))
      .toThrow('Variable "$i.context[0].value" is 11 characters long; the limit is 10.');
    expect(() => checkStrings(doc, { i: { idempotencyKey: 'k\ud800' } }, 10)).toThrow(/lone surrogate/);
    expect(() => checkStrings(parse(`{ item(id: "${'x'.repeat(11)}") { id } }`), {}, 10)).toThrow('Argument "id" is 11 characters long; the limit is 10.');
    expect(() => checkStrings(doc, { i: { userId: 'fine' } }, 10)).not.toThrow();
  });

  it('clips values quoted in messages', () => {
    const { clip } = jest.requireActual('../../src/api/errors') as typeof import('../../src/api/errors');
    expect(clip('abc')).toBe('"abc"');
    expect(clip('x'.repeat(1000), 10)).toBe(`"xxxxxxxxx… (1002 characters)`);
  });
});

describe('api: interaction times (issue 13)', () => {
  it('accepts real date-times with a zone up to now plus the skew, and refuses impossible or future ones without shifting', () => {
    const { parseInteractionAt, MAX_AT_SKEW_MS } = jest.requireActual('../../src/api/interaction/interactionMutation.resolver') as typeof import('../../src/api/interaction/interactionMutation.resolver');
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(parseInteractionAt('2024-02-29T23:30:00+01:00', now)).toBe('2024-02-29T22:30:00.000Z');
    expect(parseInteractionAt('2026-12-01T12:00:00.250Z', now)).toBe('2026-12-01T12:00:00.250Z');
    expect(parseInteractionAt(new Date(now + MAX_AT_SKEW_MS).toISOString(), now)).toBe(new Date(now + MAX_AT_SKEW_MS).toISOString());
    for (const bad of ['2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-04-31T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01T00:60:00Z',
      '2026-01-01T00:00:60Z', '2026-01-01T00:00:00+24:00', '2026-01-01T00:00:00', '2026-01-01', '9999-01-01T00:00:00Z',
      new Date(now + MAX_AT_SKEW_MS + 1000).toISOString(), '1969-12-31T23:59:59Z']) {
      expect(() => parseInteractionAt(bad, now)).toThrow(/Argument "input.at"/);
    }
  });
});
