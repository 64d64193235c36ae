/** What the benches read about processes from /proc: the local Neo4j's pid and a process's CPU time. */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/paths';

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat, or undefined. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** The pid of the project's local dev Neo4j (scripts/neo4j.mjs writes it), when it runs here. */
export function localNeo4jPid(): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(PROJECT_ROOT, 'neo4j', 'home', 'run', 'neo4j.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
