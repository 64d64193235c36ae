#!/usr/bin/env node
// Rule: in README.md, docs/*.md and bench/README.md, every decimal or number with a unit outside code (fenced or indented blocks, `backticks` — how a code or config value is written —, URLs, versions, issue numbers) must stand in a table row, list item or paragraph that links an existing bench/results/*.json file (a link in a table's header row covers the whole table); otherwise it is listed and the exit code is 1.
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
    if (links.length > missing.length) continue;
    const prose = raw
      .replace(/`[^`]*`/g, ' ')
      .replace(/\]\([^)]*\)/g, ']')
      .replace(/https?:\/\/\S+/g, ' ');
    for (const m of prose.matchAll(FIGURE)) {
      const [whole, , decimal, unitName] = m;
      if (!decimal && !unitName) continue;
      if (/^\|?\s*-+/.test(whole)) continue;
      if (NOT_A_FIGURE.test(prose.slice(Math.max(0, m.index - 20), m.index))) continue;
      const at = unit.line + prose.slice(0, m.index).split('\n').length - 1;
      problems.push(`${file}:${at}: "${whole.trim().replace(/\s+/g, ' ')}" has no bench/results/*.json link in its row or paragraph`);
    }
  }
}

for (const p of problems) console.log(p);
if (problems.length > 0) {
  console.log(
    `${problems.length} figure(s) without a JSON: link the bench/results file that holds each, remove it, or write a code/config value in backticks.`,
  );
  process.exit(1);
}
console.log(`check:docs: every figure in ${files.length} files links its bench/results JSON.`);
