import { Field, Int, ObjectType } from 'type-graphql';
import { badInput, checkFirst } from '../errors';

/** Relay-style page information of a connection. */
@ObjectType({ simpleResolvers: true, description: 'Where a page of a connection sits: pass endCursor as `after` to get the next page.' })
export class PageInfo {
  @Field(() => Boolean, { description: 'True when more edges follow this page.' })
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge of this page; null for an empty page.' })
  endCursor!: string | null;
}

/** Encodes an offset as an opaque cursor. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o:${offset}`, 'utf8').toString('base64url');
}

/** Longest cursor this API issues (base64url of `o:` and an offset of at most 15 digits). */
const MAX_CURSOR_LENGTH = 24;

/**
 * Decodes an `after` cursor into the offset of the next edge, or BAD_USER_INPUT for a foreign string; offsets stay
 * far below Neo4j's 64-bit integers (at most 15 digits, below 2^53).
 */
export function decodeAfter(after: string | null | undefined): number {
  if (after === null || after === undefined) return 0;
  const m = after.length <= MAX_CURSOR_LENGTH ? /^o:(\d{1,15})$/.exec(Buffer.from(after, 'base64url').toString('utf8')) : null;
  if (!m) throw badInput('after', after, 'a cursor returned by this API (an endCursor or edge cursor)');
  return Number(m[1]) + 1;
}

/** Validates `first`/`after` and returns the offset and page size to read (one extra row tells whether more follow). */
export function pageArgs(first: number, after: string | null | undefined, maxFirst: number): { skip: number; limit: number; first: number } {
  checkFirst(first, maxFirst);
  const skip = decodeAfter(after);
  return { skip, limit: first + 1, first };
}

/** Turns rows read with `pageArgs` into edges with cursors and a PageInfo. */
export function toPage<T>(rows: T[], skip: number, first: number): { edges: { cursor: string; node: T }[]; pageInfo: PageInfo } {
  const page = rows.slice(0, first);
  const edges = page.map((node, i) => ({ cursor: encodeCursor(skip + i), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.length ? edges[edges.length - 1].cursor : null } };
}

/** Default page size of connections. */
export const DEFAULT_FIRST = 20;

/** The `first` argument's type, for reuse in @Arg. */
export const FirstType = () => Int;
