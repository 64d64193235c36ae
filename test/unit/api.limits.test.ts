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
