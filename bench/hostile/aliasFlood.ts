/**
 * The alias-flood figures of issue 13, measured against a running API (bench/fuzz.bench.ts runs it after the fuzz):
 * how long 1,000 aliases of `recommendations` take to be refused (and how long a `{ model { version } }` sent at the
 * same moment waits), and a request of as many aliases as the cost limit admits against the same work sent as
 * separate requests, one after another and all at once, in the same run. Rounds interleave the three ways so that
 * they share the machine's load; medians over `repeats` rounds after `warmup` discarded ones.
 */

/** What the alias-flood measurement records. */
export interface AliasFloodResult {
  /** 1,000 aliases of recommendations(first: 1): the answer's time (ms, median and max), status and code. */
  flood: { aliases: number; medianMs: number; maxMs: number; statuses: Record<string, number>; codes: Record<string, number>; cypherStatements: number };
  /** `{ model { version } }` sent together with each flood: its time (ms). */
  modelQueryDuringFlood: { medianMs: number; maxMs: number };
  /** `aliases` recommendations in one request against the same `aliases` queries as separate requests. */
  withinLimits: {
    aliases: number; first: number; query: string;
    oneRequestMedianMs: number; separateSequentialMedianMs: number; separateConcurrentMedianMs: number;
    /** oneRequest / separateSequential and oneRequest / separateConcurrent, of the medians. */
    ratioToSequential: number; ratioToConcurrent: number;
    /** Requests that answered an error (each must be 0 for the figures to mean anything). */
    errors: number;
  };
  repeats: number;
  warmup: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

interface Answer { ms: number; status: number; body: { data?: unknown; errors?: { extensions?: { code?: string } }[]; extensions?: { cypherStatements?: number } } }

async function post(url: string, token: string, query: string): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST', signal: AbortSignal.timeout(60_000),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  return { ms, status: res.status, body: JSON.parse(text) as Answer['body'] };
}

/** Measures the alias flood against `url` (…/graphql) as `userId` with that user's token (see the module comment). */
export async function measureAliasFlood(opts: { url: string; token: string; userId: string; repeats: number; warmup: number; withinAliases: number; first: number }): Promise<AliasFloodResult> {
  const { url, token, userId, repeats, warmup, withinAliases, first } = opts;
  const user = JSON.stringify(userId);
  const floodQuery = `{ ${Array.from({ length: 1_000 }, (_, k) => `a${k}: recommendations(userId: ${user}, first: 1) { items { item { id } } }`).join(' ')} }`;
  const field = `recommendations(userId: ${user}, first: ${first}) { items { rank score item { id title } } }`;
  const one = `{ ${Array.from({ length: withinAliases }, (_, k) => `a${k}: ${field}`).join(' ')} }`;
  const single = `{ ${field} }`;

  const flood: number[] = [];
  const modelMs: number[] = [];
  const statuses: Record<string, number> = {};
  const codes: Record<string, number> = {};
  let cypherStatements = 0;
  const oneMs: number[] = [];
  const seqMs: number[] = [];
  const concMs: number[] = [];
  let errors = 0;
  const check = (a: Answer) => {
    if (a.status !== 200 || a.body.errors?.length) errors++;
  };
  for (let r = 0; r < warmup + repeats; r++) {
    const keep = r >= warmup;
    const [f, m] = await Promise.all([post(url, token, floodQuery), post(url, token, '{ model { version } }')]);
    if (keep) {
      flood.push(f.ms);
      modelMs.push(m.ms);
      statuses[f.status] = (statuses[f.status] ?? 0) + 1;
      const code = f.body.errors?.[0]?.extensions?.code ?? 'none';
      codes[code] = (codes[code] ?? 0) + 1;
      cypherStatements += f.body.extensions?.cypherStatements ?? 0;
    }
    // the three ways in a rotating order, so that none always runs first after the flood
    const ways: (() => Promise<void>)[] = [
      async () => {
        const a = await post(url, token, one);
        check(a);
        if (keep) oneMs.push(a.ms);
      },
      async () => {
        const t0 = performance.now();
        for (let k = 0; k < withinAliases; k++) check(await post(url, token, single));
        if (keep) seqMs.push(performance.now() - t0);
      },
      async () => {
        const t0 = performance.now();
        (await Promise.all(Array.from({ length: withinAliases }, () => post(url, token, single)))).forEach(check);
        if (keep) concMs.push(performance.now() - t0);
      },
    ];
    for (let k = 0; k < ways.length; k++) await ways[(r + k) % ways.length]();
  }
  const oneMed = median(oneMs);
  const seqMed = median(seqMs);
  const concMed = median(concMs);
  return {
    flood: { aliases: 1_000, medianMs: round(median(flood)), maxMs: round(Math.max(...flood)), statuses, codes, cypherStatements },
    modelQueryDuringFlood: { medianMs: round(median(modelMs)), maxMs: round(Math.max(...modelMs)) },
    withinLimits: {
      aliases: withinAliases, first, query: `{ a0: ${field} ... a${withinAliases - 1}: … }`,
      oneRequestMedianMs: round(oneMed), separateSequentialMedianMs: round(seqMed), separateConcurrentMedianMs: round(concMed),
      ratioToSequential: round(oneMed / seqMed, 3), ratioToConcurrent: round(oneMed / concMed, 3), errors,
    },
    repeats, warmup,
  };
}
