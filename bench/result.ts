/**
 * The one writer of benchmark records under bench/results: each carries the command that made it, the commit, the
 * date it was written and the machine with its load average at the start and at the end of the run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/paths';

/** What a record needs from the start of its run. */
export interface BenchRun {
  /** How the run was started, e.g. "npm run bench:api -- --seconds 20". */
  command: string;
  /** `git describe --always --dirty` of the tree that ran. */
  commit: string;
  loadAverageAtStart: number[];
}

const loadAverage = () => os.loadavg().map((x) => Math.round(x * 100) / 100);

/** Starts a run of `script` ("npm run bench:api --", "npx tsx bench/x.ts") with this process's arguments. */
export function startRun(script: string, argv: string[] = process.argv.slice(2)): BenchRun {
  return {
    command: argv.length ? `${script} ${argv.join(' ')}` : script.replace(/ --$/, ''),
    commit: execFileSync('git', ['describe', '--always', '--dirty'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim(),
    loadAverageAtStart: loadAverage(),
  };
}

/** The machine as a record describes it: cores, CPU, memory, node, the load average at the run's start and now. */
export function machine(run: BenchRun, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGb: Math.round(os.totalmem() / 2 ** 30 * 10) / 10, node: process.version,
    ...extra, loadAverageAtStart: run.loadAverageAtStart, loadAverageAtEnd: loadAverage(),
  };
}

/** The fields every record starts with. */
export interface BenchRecord {
  command: string;
  commit: string;
  date: string;
  machine: Record<string, unknown>;
}

/** The record of a run: { command, commit, date, machine, ...body }; `machineExtra` adds fields to `machine`. */
export function benchRecord<T extends object>(run: BenchRun, body: T, machineExtra: Record<string, unknown> = {}): BenchRecord & T {
  return { command: run.command, commit: run.commit, date: new Date().toISOString(), machine: machine(run, machineExtra), ...body };
}

/** Writes benchRecord(run, body, machineExtra) to `file` as JSON (its folder made) and returns it. */
export function writeResult<T extends object>(file: string, run: BenchRun, body: T, machineExtra: Record<string, unknown> = {}): BenchRecord & T {
  const record = benchRecord(run, body, machineExtra);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
  return record;
}
