#!/usr/bin/env node
// Rule: in README.md, docs/*.md and bench/README.md, every decimal or number with a unit outside code (fenced or indented blocks, `backticks` — how a code or config value is written —, URLs, versions, issue numbers) must stand in a table row, list item or paragraph that links an existing bench/results/*.json file (a link in a table's header row covers the table) and be, as rounded there, a value of one of those files (a share may be written as a percentage, a time in s from a value in ms); otherwise it is listed and the exit code is 1.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
  'bench/README.md',
];

// Units that make an integer a figure; a decimal is a figure with or without one.
const UNIT =
  '(?:ms|s|sec|seconds?|min|minutes?|h|hours?|days?|%|×|x|req/s|requests/s|rows/s|relationships/s|/s|k/s|kB|KB|MB|GB|MiB|GiB|k|M)';
const FIGURE = new RegExp(
  `(?<![\\w.,/#-])(\\d{1,3}(?:,\\d{3})+|\\d+)(\\.\\d+)?(?:\\s?(${UNIT}))?(?![\\w.]*\\d)(?![\\w/])`,
  'gu',
);
// A version (Neo4j 5.26, Node.js ≥ 20, neo4j:5.26) or an issue (#12, issue 13) is not a measurement.
const NOT_A_FIGURE = /(?:neo4j[: ]|neo4j community |node\.js ≥ |java |maven |version |issue |#)$/i;

/** Units of a Markdown file: each table row, list item (with its continuation lines) or paragraph, code removed; a table row carries its table's header row. */
function units(text) {
  const out = [];
  let current = null;
  let header = null;
  let fence = null;
  let previousBlank = true;
  const flush = () => {
    if (current) out.push(current);
    current = null;
  };
  text.split('\n').forEach((line, index) => {
    const fenceMatch = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      if (fenceMatch && fenceMatch[1] === fence) fence = null;
      return;
    }
    if (fenceMatch) {
      flush();
      fence = fenceMatch[1];
      return;
    }
    if (!/^\s*\|/.test(line)) header = null;
    if (line.trim() === '') {
      flush();
      previousBlank = true;
      return;
    }
    if (previousBlank && /^( {4}|\t)/.test(line) && !current) {
      previousBlank = true; // an indented code block
      return;
    }
    previousBlank = false;
    const startsUnit = /^\s*(\||#{1,6}\s|[-*+]\s|\d+\.\s)/.test(line);
    if (startsUnit || !current) {
      flush();
      current = { line: index + 1, lines: [] };
    }
    current.lines.push(line);
    if (/^\s*\|/.test(line)) {
      if (header === null) header = line;
      else current.header = header;
    }
    if (/^\s*(\||#)/.test(line)) flush();
  });
  flush();
  return out;
}

/** Every number in the JSON files. */
function jsonNumbers(paths) {
  const out = [];
  const walk = (v) => {
    if (typeof v === 'number') out.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const p of paths) walk(JSON.parse(readFileSync(p, 'utf8')));
  return out;
}

/** True when a JSON number, rounded as the figure is written (a share as a percentage, ms as s), is the figure. */
function holds(numbers, value, decimals, unitName) {
  const scales = unitName === '%' ? [100, 1] : unitName === 's' || unitName === 'seconds' ? [1, 0.001] : [1];
  const round = (x) => Math.round(x * 10 ** decimals) / 10 ** decimals;
  return numbers.some((n) => scales.some((k) => round(Math.abs(n * k)) === value));
}

const problems = [];
for (const file of files) {
  const path = join(root, file);
  if (!existsSync(path)) continue;
  for (const unit of units(readFileSync(path, 'utf8'))) {
    const raw = unit.lines.join('\n');
    const results = join(root, 'bench', 'results') + '/';
    const links = [...`${unit.header ?? ''}\n${raw}`.matchAll(/\]\(([^)\s#]+\.json)(?:#[^)]*)?\)/g)]
      .map((m) => resolve(dirname(path), m[1]))
      .filter((l) => l.startsWith(results));
    const missing = links.filter((l) => !existsSync(l));
    for (const l of missing) problems.push(`${file}:${unit.line}: links ${relative(root, l)}, which does not exist`);
    const prose = raw
      .replace(/`[^`]*`/g, ' ')
      .replace(/\]\([^)]*\)/g, ']')
      .replace(/https?:\/\/\S+/g, ' ');
    const found = links.length > missing.length ? jsonNumbers(links.filter((l) => existsSync(l))) : null;
    for (const m of prose.matchAll(FIGURE)) {
      const [whole, integer, decimal, unitName] = m;
      if (!decimal && !unitName) continue;
      if (NOT_A_FIGURE.test(prose.slice(Math.max(0, m.index - 20), m.index))) continue;
      const at = unit.line + prose.slice(0, m.index).split('\n').length - 1;
      const shown = whole.trim().replace(/\s+/g, ' ');
      if (!found) problems.push(`${file}:${at}: "${shown}" has no bench/results/*.json link in its row or paragraph`);
      else if (!holds(found, Number(integer.replace(/,/g, '') + (decimal ?? '')), (decimal ?? '.').length - 1, unitName))
        problems.push(`${file}:${at}: "${shown}" is not a value of ${links.map((l) => relative(root, l)).join(', ')}`);
    }
  }
}

for (const p of problems) console.log(p);
if (problems.length > 0) {
  console.log(
    `${problems.length} figure(s) without their JSON: link the bench/results file that holds each (with its value), remove it, or write a code/config value in backticks.`,
  );
  process.exit(1);
}
console.log(`check:docs: every figure in ${files.length} files links a bench/results JSON that holds its value.`);
