/**
 * Hostile requests against a running API, and the checks every answer must pass. Used by `npm run fuzz`
 * (bench/fuzz.bench.ts: many requests against the API process and the dev graph) and by the short run in
 * `npm test` (test/bench/hostile/fuzz.int.test.ts: the fixture graph). One generator, one set of checks.
 *
 * Every request is generated from a seeded random source, of a kind (see KINDS): alias floods, page sizes out of
 * range, variables of the wrong type, deep selections, unknown operation names, foreign and huge cursors, over-long
 * strings in every argument, lone surrogates, impossible and future dates, bad persisted queries, subscriptions,
 * bodies over 1 MiB (declared and streamed), content types, malformed JSON, forged and cross-user tokens, GET
 * requests, byte-flipped documents, unknown routes and methods, and valid requests (reads and writes) in between.
 *
 * Checks of every answer: no HTTP 5xx; no INTERNAL code; no stack trace, Cypher, driver error or file path in any
 * error message or non-JSON body; at most MAX_ERROR_BYTES for an answer that is only errors (MAX_BYTES for any);
 * an answer within 3 x MAX_MS (later is a timeout, a transport error); answers over MAX_MS are counted (`slow`). The writes that succeeded are counted from the answers (recordInteraction not replayed,
 * upsertUser created), so the caller can check the graph's counts before and after.
 */
import http from 'node:http';
import { createHmac } from 'node:crypto';

/** Who and what the requests are about. */
export interface FuzzTarget {
  /** http://host:port/graphql */
  url: string;
  user: { id: string; token: string };
  /** Another user (the first user's token must not read its data). */
  other: { id: string; token: string };
  adminToken: string;
  /** Items that exist. */
  itemIds: string[];
}

/** One generated request. */
export interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Body bytes; `chunks` sends it in pieces without a Content-Length. */
  body?: Buffer;
  chunked?: boolean;
}

/** The result of a fuzz run. */
export interface FuzzSummary {
  requests: number;
  http5xx: number;
  internal: number;
  leaks: number;
  /** Transport failures (reset, refused, timeout): the server closed or dropped a connection without an answer. */
  transportErrors: number;
  /** Answers that took over MAX_MS (a timeout at 3 x MAX_MS is a transport error). */
  slow: number;
  /** Answers over their size bound. */
  oversized: number;
  maxMs: number;
  maxBytes: number;
  /** Writes that succeeded: new interactions (not replays) and created users. */
  succeededWrites: { interactions: number; users: number };
  /** Requests per kind, and HTTP statuses seen per kind. */
  byKind: Record<string, { requests: number; statuses: Record<string, number>; codes: Record<string, number> }>;
  /** Up to 20 failing cases (kind, status, the start of the answer). */
  failures: { kind: string; status: number | string; why: string; answer: string }[];
}

export const MAX_MS = 5_000;
export const MAX_BYTES = 1 << 20;
export const MAX_ERROR_BYTES = 16 * 1024;

/** What no error message may contain: stack frames, Cypher and driver internals, file paths. */
const LEAK = [
  /\bat [\w.<>$]+ \(/, /\n\s+at /, /\.(ts|js|mjs|cjs):\d+/, /node_modules/, /\/(work|home|root|usr|tmp)\//, /dist\/src/,
  /\b(MATCH|MERGE|UNWIND|OPTIONAL MATCH|DETACH DELETE)\s*\(/, /\bRETURN\s+\w+\.\w+/, /Neo\.(Client|Transient|Database)Error/, /Neo4jError/,
  /\bbolt:\/\//, /TypeError|ReferenceError|RangeError|SyntaxError: Unexpected token/,
];

type Rnd = () => number;

const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const int = (rnd: Rnd, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));

function longString(rnd: Rnd): string {
  // every length is over the tightest limit it meets (ids, keys, names and categories 200, context 100)
  const n = pick(rnd, [201, 501, 1_001, 9_000, 10_001, 20_000, 200_000, 900_000]);
  return pick(rnd, ['x', 'é', '😀', 'ab', '\\']).repeat(n).slice(0, n);
}

/** Strings with lone surrogates, as JSON would carry them (the body is built with JSON.stringify). */
function loneSurrogate(rnd: Rnd): string {
  return pick(rnd, ['key\ud800', 'key\udfff', '\ud83d', 'a\udc00b', `${'k'.repeat(int(rnd, 1, 50))}\ud800`]);
}

function b64url(s: string): string {
  return Buffer.from(s).toString('base64url');
}

/** A JWT signed with `secret` (HS256), or unsigned/forged variants. */
function jwtWith(header: Record<string, unknown>, claims: Record<string, unknown>, secret: string | null): string {
  const h = b64url(JSON.stringify(header));
  const c = b64url(JSON.stringify(claims));
  const sig = secret === null ? '' : createHmac('sha256', secret).update(`${h}.${c}`).digest('base64url');
  return `${h}.${c}.${sig}`;
}

const RECS = (userArg: string, first: string, extra = '') => `recommendations(userId: ${userArg}, first: ${first}${extra}) { items { rank score item { id } } }`;

/** The kinds of hostile request, each a generator. */
export const KINDS: Record<string, (rnd: Rnd, t: FuzzTarget) => Omit<FuzzRequest, 'kind'>> = {
  aliasFlood: (rnd, t) => {
    const n = pick(rnd, [50, 100, 250, 500, 1_000, 1_500]);
    const q = `{ ${Array.from({ length: n }, (_, k) => `a${k}: ${RECS(JSON.stringify(t.user.id), '1')}`).join(' ')} }`;
    return post({ query: q }, t.user.token);
  },
  firstOutOfRange: (rnd, t) => {
    const first = pick(rnd, ['0', '-1', '101', '1000', '1000000000', '2147483647', '-2147483648']);
    const field = pick(rnd, [RECS(JSON.stringify(t.user.id), first), `similarItems(itemId: ${JSON.stringify(t.itemIds[0])}, first: ${first}) { items { rank } }`,
      `user(id: ${JSON.stringify(t.user.id)}) { interactions(first: ${first}) { edges { cursor } } }`]);
    return post({ query: `{ ${field} }` }, t.user.token);
  },
  badVariableTypes: (rnd, t) => {
    const v = pick(rnd, ['x', 1.5, 1e300, -0.5, true, { a: 1 }, [1, 2], null, 99999999999, '1e9']);
    return post({ query: 'query($f: Int!, $u: ID!) { recommendations(userId: $u, first: $f) { items { rank } } }', variables: { f: v, u: pick(rnd, [t.user.id, 5, null, {}]) } }, t.user.token);
  },
  deepSelection: (rnd, t) => {
    const depth = int(rnd, 6, 40);
    let sel = 'id';
    for (let k = 0; k < depth; k++) sel = `following(first: 2) { edges { node { ${sel} } } }`;
    return post({ query: `{ user(id: ${JSON.stringify(t.user.id)}) { ${sel} } }` }, t.user.token);
  },
  operationName: (rnd, t) => {
    const doc = pick(rnd, ['query A { model { version } } query B { model { dims } }', '{ model { version } }', 'query A { model { version } }']);
    return post({ query: doc, operationName: pick(rnd, ['nope', 'B', '', 'x'.repeat(5_000), undefined]) }, t.user.token);
  },
  cursor: (rnd, t) => {
    const after = pick(rnd, [b64url(`o:${'9'.repeat(int(rnd, 15, 40))}`), b64url('o:-1'), b64url('o:1e9'), 'garbage', '', '%%%', b64url('o:' + '1'.repeat(200)), longString(rnd)]);
    const conn = pick(rnd, ['interactions', 'following', 'followers']);
    return post({ query: `query($a: String) { user(id: ${JSON.stringify(t.user.id)}) { ${conn}(first: 2, after: $a) { edges { cursor } } } }`, variables: { a: after } }, t.user.token);
  },
  longStrings: (rnd, t) => {
    const s = longString(rnd);
    const k = int(rnd, 0, 9);
    const cases: [string, Record<string, unknown>, string][] = [
      ['query($c: [ContextInput!]) { recommendations(userId: "' + t.user.id + '", first: 2, context: $c) { items { rank } } }', { c: [{ kind: pick(rnd, ['device', s]), value: s }] }, t.user.token],
      ['query($id: ID!) { item(id: $id) { id } }', { id: s }, ''],
      ['query($id: ID!) { user(id: $id) { id } }', { id: s }, t.adminToken],
      ['query($id: ID!) { similarItems(itemId: $id, first: 2) { items { rank } } }', { id: s }, ''],
      ['query($c: [String!]) { recommendations(userId: "' + t.user.id + '", first: 2, categories: $c) { items { rank } } }', { c: [s] }, t.user.token],
      ['query($x: [ID!]) { recommendations(userId: "' + t.user.id + '", first: 2, excludeItemIds: $x) { items { rank } } }', { x: [s] }, t.user.token],
      ['mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { replayed } }', { i: { userId: t.user.id, itemId: t.itemIds[0], kind: 'view', idempotencyKey: s } }, t.user.token],
      ['mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { replayed } }', { i: { userId: t.user.id, itemId: t.itemIds[0], kind: 'view', context: [{ kind: 'device', value: s }] } }, t.user.token],
      ['mutation($i: UpsertUserInput!) { upsertUser(input: $i) { created } }', { i: { id: t.user.id, name: s } }, t.user.token],
      ['mutation($i: UpsertItemInput!) { upsertItem(input: $i) { created } }', { i: { id: t.itemIds[0], title: s.padEnd(501, 't'), categories: [s] } }, t.adminToken],
    ];
    const [query, variables, token] = cases[k];
    // sometimes as a literal in the document instead of a variable
    if (rnd() < 0.3 && k === 1) return post({ query: `{ item(id: ${JSON.stringify(s)}) { id } }` }, token || undefined);
    return post({ query, variables }, token || undefined);
  },
  loneSurrogates: (rnd, t) => {
    const s = loneSurrogate(rnd);
    return pick(rnd, [
      post({ query: 'mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { replayed } }', variables: { i: { userId: t.user.id, itemId: t.itemIds[0], kind: 'view', idempotencyKey: s } } }, t.user.token),
      post({ query: 'query($id: ID!) { item(id: $id) { id } }', variables: { id: s } }),
      post({ query: `{ item(id: "${s.replace(/[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}") { id } }` }),
    ]);
  },
  dates: (rnd, t) => {
    const at = pick(rnd, ['9999-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-04-31T12:00:00Z', '2025-02-29T00:00:00Z',
      '2026-01-01T25:00:00Z', '2026-01-01T23:60:00Z', '2026-01-01T00:00:60Z', '2026-01-01', 'yesterday', '1969-12-31T23:59:59Z', '+275760-09-13T00:00:00Z',
      new Date(Date.now() + 3600_000).toISOString(), '2026-01-01T00:00:00+24:00', '0000-01-01T00:00:00Z', '2026-01-01T00:00:00']);
    return post({ query: 'mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { replayed } }', variables: { i: { userId: t.user.id, itemId: t.itemIds[0], kind: 'view', at } } }, t.user.token);
  },
  persistedQuery: (rnd) => {
    const pq = pick(rnd, [{ version: 2, sha256Hash: 'abc' }, { version: 1, sha256Hash: 'abc' }, { version: 1, sha256Hash: 'f'.repeat(64) }, { version: '1', sha256Hash: 5 },
      { version: 1, sha256Hash: { a: 1 } }, { version: 1 }, null, 'x', { version: 1, sha256Hash: 'x'.repeat(10_000) }]);
    const withQuery = rnd() < 0.5;
    return post({ ...(withQuery ? { query: '{ model { version } }' } : {}), extensions: { persistedQuery: pq } });
  },
  subscription: (rnd) => post({ query: pick(rnd, ['subscription { model { version } }', 'subscription S { x }', 'subscription { __typename }']) }),
  largeBody: (rnd) => {
    const size = pick(rnd, [(1 << 20) + 1, (1 << 20) + 100_000, 3 << 20]);
    const body = Buffer.from(JSON.stringify({ query: '{ model { version } }', variables: { pad: 'p'.repeat(size) } }));
    return { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body, chunked: rnd() < 0.5 };
  },
  contentType: (rnd) => {
    const type = pick(rnd, ['application/jsonx', 'APPLICATION/JSON', 'Application/Json; charset=UTF-8', 'text/plain', 'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x', '', 'application/json;;;', 'application/graphql', '*/*', 'application/json; charset=latin1', '\u00e9/\u00e9']);
    const req = post({ query: '{ model { version } }' });
    if (type === '') delete req.headers['content-type'];
    else req.headers['content-type'] = type;
    return req;
  },
  malformedJson: (rnd) => {
    const text = pick(rnd, ['{', '[]', '[{"query":"{ model { version } }"}]', 'null', '42', '"x"', '{"query": 5}', '{"query":"{ model { version } }","variables":"{}"}',
      '{"query":"{ model { version } }","variables":[1]}', '{"query":"{ model { version } }","extensions":5}', '\u0000', '{"query":"{ model { version } }"'.repeat(3), '']);
    return { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body: Buffer.from(text) };
  },
  auth: (rnd, t) => {
    const secret = 'not-the-secret-' + int(rnd, 0, 9);
    const token = pick(rnd, [
      jwtWith({ alg: 'HS256', typ: 'JWT' }, { sub: t.user.id, role: 'admin' }, secret),
      jwtWith({ alg: 'none', typ: 'JWT' }, { sub: t.user.id, role: 'admin' }, null),
      jwtWith({ alg: 'HS256', typ: 'JWT' }, { sub: t.user.id, role: 'admin', exp: 1 }, secret),
      'garbage', t.user.token + 'x', t.user.token.split('.').slice(0, 2).join('.') + '.', 'x'.repeat(9_000),
    ]);
    const header = pick(rnd, [`Bearer ${token}`, `Basic ${token}`, token, 'Bearer', `Bearer ${token} extra`]);
    const req = post({ query: `{ ${RECS(JSON.stringify(t.user.id), '2')} }` });
    req.headers.authorization = header;
    return req;
  },
  crossUser: (rnd, t) => pick(rnd, [
    post({ query: `{ ${RECS(JSON.stringify(t.other.id), '2')} }` }, t.user.token),
    post({ query: `{ user(id: ${JSON.stringify(t.other.id)}) { id name } }` }, t.user.token),
    post({ query: `{ user(id: ${JSON.stringify(t.user.id)}) { following(first: 5) { edges { node { id name interactionCount } } } followers(first: 5) { edges { node { id name } } } } }` }, t.user.token),
    post({ query: 'mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { replayed } }', variables: { i: { userId: t.other.id, itemId: t.itemIds[0], kind: 'view' } } }, t.user.token),
    post({ query: `mutation { deleteUser(id: ${JSON.stringify(t.other.id)}) { id } }` }, t.user.token),
    post({ query: 'mutation { train { id } }' }, t.user.token),
    post({ query: `mutation { upsertItem(input: {id: "fuzz-item", title: "x"}) { created } }` }, t.user.token),
  ]),
  getRequests: (rnd, t) => {
    const q = pick(rnd, ['{ model { version } }', 'mutation { upsertUser(input: {id: "x"}) { created } }', '{', 'x'.repeat(3_000), `{ ${RECS(JSON.stringify(t.user.id), '2')} }`]);
    const search = new URLSearchParams({ query: q, ...(rnd() < 0.3 ? { variables: pick(rnd, ['{', '[]', '{"a":1}']) } : {}), ...(rnd() < 0.2 ? { extensions: '{"persistedQuery":{"version":1,"sha256Hash":"abc"}}' } : {}) });
    const headers: Record<string, string> = rnd() < 0.3 ? { 'content-type': pick(rnd, ['text/plain', 'application/json']) } : {};
    headers['apollo-require-preflight'] = 'true';
    return { method: 'GET', path: `/graphql?${search}`, headers };
  },
  byteFlip: (rnd, t) => {
    const base = pick(rnd, [`{ ${RECS(JSON.stringify(t.user.id), '3')} }`, '{ model { version dims } }', `{ item(id: ${JSON.stringify(t.itemIds[0])}) { id categories } }`,
      'mutation { recordInteraction(input: {userId: "' + t.user.id + '", itemId: "' + t.itemIds[0] + '", kind: "view"}) { replayed } }']);
    const chars = [...base];
    for (let k = int(rnd, 1, 4); k > 0; k--) chars[int(rnd, 0, chars.length - 1)] = pick(rnd, ['{', '}', '(', ')', '"', '\\', ':', '$', '@', '!', '#', '\u0000', 'é', ' ', '...', '""']);
    return post({ query: chars.join('') }, t.user.token);
  },
  routesAndMethods: (rnd) => {
    const method = pick(rnd, ['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'POST', 'GET']);
    const path = pick(rnd, ['/', '/graphql', '/graphql/', '/nope', '/healthz', '/readyz', '/..%2f..%2fetc/passwd', '/graphql?query=%zz', '/' + 'a'.repeat(5_000)]);
    const headers: Record<string, string> = method === 'POST' ? { 'content-type': 'application/json' } : {};
    return { method, path, headers, body: method === 'POST' ? Buffer.from('{"query":"{ model { version } }"}') : undefined };
  },
  validRead: (rnd, t) => pick(rnd, [
    post({ query: `{ ${RECS(JSON.stringify(t.user.id), String(int(rnd, 1, 20)), ', policy: {logExposures: false}')} }` }, t.user.token),
    post({ query: `{ item(id: ${JSON.stringify(pick(rnd, t.itemIds))}) { id title categories interactionCount } }` }),
    post({ query: `{ user(id: ${JSON.stringify(t.user.id)}) { id name interactionCount interactions(first: 3) { edges { cursor node { itemId } } } } }` }, t.user.token),
    post({ query: '{ model { version dims } }' }),
  ]),
  validWrite: (rnd, t) => ({
    ...post({ query: 'mutation($i: RecordInteractionInput!) { recordInteraction(input: $i) { replayed } }',
      variables: { i: { userId: t.user.id, itemId: pick(rnd, t.itemIds), kind: pick(rnd, ['view', 'click', 'dismiss']), idempotencyKey: `fuzz-${int(rnd, 0, 40)}` } } }, t.user.token),
  }),
};

function post(body: Record<string, unknown>, token?: string): Omit<FuzzRequest, 'kind'> {
  return {
    method: 'POST', path: '/graphql',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/** Draws one request: a kind uniformly, then its generator. */
export function hostileRequest(rnd: Rnd, t: FuzzTarget): FuzzRequest {
  const kind = pick(rnd, Object.keys(KINDS));
  return { kind, ...KINDS[kind](rnd, t) };
}

interface Answer {
  status: number | 'transport';
  text: string;
  bytes: number;
  ms: number;
  error?: string;
}

/** Sends one request over a fresh connection and reads the whole answer (at most MAX_BYTES + 1 kept). */
export function send(base: URL, r: FuzzRequest, timeoutMs = 3 * MAX_MS): Promise<Answer> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const headers: Record<string, string | number> = { ...r.headers, connection: 'close' };
    if (r.body && !r.chunked) headers['content-length'] = r.body.length;
    let settled = false;
    const done = (a: Omit<Answer, 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...a, ms: performance.now() - t0 });
    };
    const req = http.request({ host: base.hostname, port: base.port, method: r.method, path: r.path, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (bytes <= MAX_BYTES + 1) chunks.push(c);
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), bytes }));
      res.on('error', (err) => done({ status: 'transport', text: '', bytes, error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => done({ status: 'transport', text: '', bytes: 0, error: err.message }));
    if (r.body && r.chunked) {
      // in pieces of 64 KiB; the server may answer (413) before the last one, so write errors are expected
      let offset = 0;
      const writeMore = () => {
        while (offset < r.body!.length) {
          const piece = r.body!.subarray(offset, offset + 65_536);
          offset += piece.length;
          if (!req.write(piece)) return void req.once('drain', writeMore);
        }
        req.end();
      };
      writeMore();
    } else {
      req.end(r.body);
    }
  });
}

/** The messages (and codes) of an answer's GraphQL errors, or null when it is not a GraphQL JSON answer. */
function errorsOf(text: string): { messages: string[]; codes: string[]; onlyErrors: boolean; data: unknown } | null {
  try {
    const body = JSON.parse(text) as { errors?: { message?: unknown; extensions?: Record<string, unknown> }[]; data?: unknown; error?: unknown };
    if (typeof body !== 'object' || body === null) return null;
    const errors = Array.isArray(body.errors) ? body.errors : [];
    return {
      messages: [...errors.map((e) => `${String(e.message)} ${JSON.stringify(e.extensions ?? {})}`), ...(body.error !== undefined ? [String(body.error)] : [])],
      codes: errors.map((e) => String(e.extensions?.code ?? 'NONE')),
      onlyErrors: body.data === undefined || body.data === null,
      data: body.data,
    };
  } catch {
    return null;
  }
}

/**
 * Sends `count` hostile requests (seeded) with at most `concurrency` at a time and checks every answer.
 * `onProgress` is called after each one.
 */
export async function runFuzz(t: FuzzTarget, opts: { count: number; concurrency: number; rnd: Rnd; onProgress?: () => void }): Promise<FuzzSummary> {
  const base = new URL(t.url);
  const s: FuzzSummary = {
    requests: 0, http5xx: 0, internal: 0, leaks: 0, transportErrors: 0, slow: 0, oversized: 0, maxMs: 0, maxBytes: 0,
    succeededWrites: { interactions: 0, users: 0 }, byKind: {}, failures: [],
  };
  const fail = (kind: string, status: number | string, why: string, answer: string) => {
    if (s.failures.length < 20) s.failures.push({ kind, status, why, answer: answer.slice(0, 400) });
  };
  let issued = 0;
  const worker = async () => {
    while (issued < opts.count) {
      issued++;
      const r = hostileRequest(opts.rnd, t);
      const a = await send(base, r);
      s.requests++;
      const k = (s.byKind[r.kind] ??= { requests: 0, statuses: {}, codes: {} });
      k.requests++;
      k.statuses[String(a.status)] = (k.statuses[String(a.status)] ?? 0) + 1;
      s.maxMs = Math.max(s.maxMs, a.ms);
      s.maxBytes = Math.max(s.maxBytes, a.bytes);
      if (a.status === 'transport') {
        s.transportErrors++;
        fail(r.kind, a.status, `transport: ${a.error}`, '');
      } else if (a.status >= 500) {
        s.http5xx++;
        fail(r.kind, a.status, 'HTTP 5xx', a.text);
      }
      // recorded, not a failure: a loaded machine may be slow; a hang ends as a transport timeout (3 x MAX_MS)
      if (a.ms > MAX_MS) s.slow++;
      const parsed = a.status === 'transport' || r.method === 'HEAD' ? null : errorsOf(a.text);
      if (parsed) {
        for (const c of parsed.codes) k.codes[c] = (k.codes[c] ?? 0) + 1;
        if (parsed.codes.some((c) => c === 'INTERNAL' || c === 'INTERNAL_SERVER_ERROR' || c === 'NONE')) {
          s.internal++;
          fail(r.kind, a.status, 'INTERNAL (or no code)', a.text);
        }
        const leak = parsed.messages.find((m) => LEAK.some((re) => re.test(m)));
        if (leak) {
          s.leaks++;
          fail(r.kind, a.status, 'leak', leak);
        }
        if ((parsed.onlyErrors && parsed.codes.length > 0 && a.bytes > MAX_ERROR_BYTES) || a.bytes > MAX_BYTES) {
          s.oversized++;
          fail(r.kind, a.status, `${a.bytes} bytes`, a.text);
        }
        // whatever the kind (a flipped byte may leave a valid mutation), the writes that succeeded
        const data = parsed.data as { recordInteraction?: { replayed?: boolean }; upsertUser?: { created?: boolean } } | null;
        if (data?.recordInteraction?.replayed === false) s.succeededWrites.interactions++;
        if (data?.upsertUser?.created === true) s.succeededWrites.users++;
      } else if (a.status !== 'transport' && a.text.length > 0 && r.method !== 'HEAD' && !a.text.startsWith('<!DOCTYPE html>')) {
        // a non-JSON answer (e.g. a landing page is HTML): still no leaks
        if (LEAK.some((re) => re.test(a.text))) {
          s.leaks++;
          fail(r.kind, a.status, 'leak in a non-JSON answer', a.text);
        }
      }
      opts.onProgress?.();
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  s.maxMs = Math.round(s.maxMs);
  return s;
}
