#!/usr/bin/env node
// Installs, starts, stops and reports on the project's own local Neo4j Community server.
//
//   node scripts/neo4j.mjs install   resolve the pinned Neo4j from Maven Central into neo4j/home/lib
//   node scripts/neo4j.mjs start     install if needed, write neo4j.conf, start on loopback, wait for Bolt
//   node scripts/neo4j.mjs stop      stop the local server (SIGTERM, then SIGKILL after a grace period)
//   node scripts/neo4j.mjs status    say whether it runs and answers Bolt
//   node scripts/neo4j.mjs ensure    when NEO4J_URI is set: check that server answers; otherwise start the local one
//   node scripts/neo4j.mjs import-full --dir <dir>   stop the local server, load <dir>/manifest.json's CSV files
//                                    with neo4j-admin database import full (replacing the database), start it again
//                                    (src/import/bulk.ts writes the files and checks the database is empty first)
//
// `--instance test` runs a second, separate server (own data, ports 7688/7475) for the test suite, so
// that `npm test` never touches the development graph. The tests use NEO4J_TEST_URI when it is set.
//
// The version lives only in neo4j/pom.xml. Maven caches the jars in ~/.m2, so a second install does
// not touch the network. Plain .mjs (not TypeScript) so that it runs before anything is built.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const neoDir = path.join(root, 'neo4j');
const instanceArg = process.argv.indexOf('--instance');
const instance = instanceArg > 0 ? process.argv[instanceArg + 1] : 'dev';
if (!['dev', 'test'].includes(instance)) fail(`--instance must be dev or test, got "${instance}"`);
const isTest = instance === 'test';
const base = path.join(neoDir, 'home');
const lib = path.join(base, 'lib');
const home = isTest ? path.join(base, 'test') : base;
const confDir = path.join(home, 'conf');
const runDir = path.join(home, 'run');
const logsDir = path.join(home, 'logs');
const pidFile = path.join(runDir, 'neo4j.pid');
const consoleLog = path.join(logsDir, 'console.log');
const versionFile = path.join(base, 'VERSION');

const boltPort = isTest ? intEnv('NEO4J_TEST_BOLT_PORT', 7688) : intEnv('NEO4J_LOCAL_BOLT_PORT', 7687);
const httpPort = isTest ? intEnv('NEO4J_TEST_HTTP_PORT', 7475) : intEnv('NEO4J_LOCAL_HTTP_PORT', 7474);
const heap = process.env.NEO4J_LOCAL_HEAP || (isTest ? '1g' : '2g');
const pageCache = process.env.NEO4J_LOCAL_PAGECACHE || (isTest ? '512m' : '1g');
// The local servers always use the project's fixed loopback-only credentials; a configured
// NEO4J_URI server uses NEO4J_USER/NEO4J_PASSWORD (and the tests' NEO4J_TEST_* ones).
const localUser = 'neo4j';
const localPassword = 'interest-graph-dev';
const startTimeoutMs = intEnv('NEO4J_LOCAL_START_TIMEOUT_MS', 180_000);

function intEnv(name, dflt) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    fail(`${name} must be a positive integer, got "${raw}"`);
  }
  return n;
}

function log(msg, extra = {}) {
  process.stderr.write(JSON.stringify({ level: 'info', time: new Date().toISOString(), component: 'neo4j-local', msg, ...extra }) + '\n');
}

function fail(msg) {
  process.stderr.write(`neo4j: ${msg}\n`);
  process.exit(1);
}

function pinnedVersion() {
  const pom = fs.readFileSync(path.join(neoDir, 'pom.xml'), 'utf8');
  const m = pom.match(/<neo4j\.version>([^<]+)<\/neo4j\.version>/);
  if (!m) fail('neo4j/pom.xml has no <neo4j.version> property');
  return m[1];
}

function installed() {
  const version = pinnedVersion();
  return fs.existsSync(versionFile) && fs.readFileSync(versionFile, 'utf8').trim() === version &&
    fs.existsSync(path.join(lib, `neo4j-server-${version}.jar`));
}

function install() {
  const version = pinnedVersion();
  if (installed()) {
    log('already installed', { version, home });
    return;
  }
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (java.error || java.status !== 0) fail('Java 17 is required (java -version failed); install openjdk-17-jre-headless');
  const m = /version "(\d+)/.exec(java.stderr);
  if (!m || Number(m[1]) < 17) fail(`Neo4j ${version} needs Java 17 or newer; java -version says: ${java.stderr.split('\n')[0]}`);
  log('resolving Neo4j from Maven Central', { version });
  fs.rmSync(lib, { recursive: true, force: true });
  const args = ['-B', '-q', '-f', path.join(neoDir, 'pom.xml'), `-Dneo4j.home=${base}`, 'package'];
  const mvn = spawnSync('mvn', args, { stdio: 'inherit' });
  if (mvn.error) fail(`could not run mvn (${mvn.error.message}); install Maven 3`);
  if (mvn.status !== 0) fail(`mvn exited with ${mvn.status} while resolving Neo4j ${version}`);
  fs.writeFileSync(versionFile, version + '\n');
  log('installed', { version, jars: fs.readdirSync(lib).length });
}

function writeConf() {
  for (const d of [confDir, runDir, logsDir, path.join(home, 'data'), path.join(home, 'import'), path.join(home, 'plugins')]) {
    fs.mkdirSync(d, { recursive: true });
  }
  const conf = [
    '# Generated by scripts/neo4j.mjs on every start; edit the script, not this file.',
    `server.directories.data=${path.join(home, 'data')}`,
    `server.directories.logs=${logsDir}`,
    `server.directories.run=${runDir}`,
    `server.directories.import=${path.join(home, 'import')}`,
    `server.directories.plugins=${path.join(home, 'plugins')}`,
    `server.directories.lib=${lib}`,
    'server.default_listen_address=127.0.0.1',
    'server.default_advertised_address=127.0.0.1',
    'server.bolt.enabled=true',
    `server.bolt.listen_address=127.0.0.1:${boltPort}`,
    'server.http.enabled=true',
    `server.http.listen_address=127.0.0.1:${httpPort}`,
    'server.https.enabled=false',
    `server.memory.heap.initial_size=${heap}`,
    `server.memory.heap.max_size=${heap}`,
    `server.memory.pagecache.size=${pageCache}`,
    // Browser (HTTP) port differs for the test instance; the browser reads Bolt from discovery.
    `server.bolt.advertised_address=127.0.0.1:${boltPort}`,
    'dbms.security.auth_enabled=true',
    'db.tx_log.rotation.retention_policy=1 files',
    'dbms.usage_report.enabled=false',
    'server.logs.gc.enabled=false',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(confDir, 'neo4j.conf'), conf);
}

// The JVM flags Neo4j's own launcher passes on Java 17 (see its bin/neo4j and default neo4j.conf).
function jvmArgs() {
  return [
    `-Xms${heap}`, `-Xmx${heap}`,
    '-XX:+UseG1GC', '-XX:-OmitStackTraceInFastThrow', '-XX:+UnlockExperimentalVMOptions',
    '-XX:+TrustFinalNonStaticFields', '-XX:+DisableExplicitGC', '-Djdk.nio.maxCachedBufferSize=1024',
    '-Dio.netty.tryReflectionSetAccessible=true', '-Djdk.tls.ephemeralDHKeySize=2048',
    '-Djdk.tls.rejectClientInitiatedRenegotiation=true', '-XX:FlightRecorderOptions=stackdepth=256',
    '-XX:+UnlockDiagnosticVMOptions', '-XX:+DebugNonSafepoints', '-Dlog4j2.disable.jmx=true',
    '--add-opens=java.base/java.nio=ALL-UNNAMED', '--add-opens=java.base/java.io=ALL-UNNAMED',
    '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED', '--add-opens=java.base/java.lang=ALL-UNNAMED',
    '--add-opens=java.base/java.util=ALL-UNNAMED', '--add-opens=java.base/java.util.concurrent=ALL-UNNAMED',
    '--add-opens=java.base/java.lang.invoke=ALL-UNNAMED', '--add-opens=java.base/java.net=ALL-UNNAMED',
    '--add-exports=java.base/sun.nio.ch=ALL-UNNAMED', '--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED',
    '--enable-native-access=ALL-UNNAMED',
    '-cp', `${confDir}${path.delimiter}${path.join(lib, '*')}`,
  ];
}

// neo4j-admin's import is a short batch job: C1-only JIT and the parallel collector cut its CPU time (measured on
// Gowalla on this machine: 10 against 20 CPU seconds with the server's flags, at a load average near 18). Its classes
// come from an application class-data archive (AppCDS) of the pinned version, dumped at the exit of the first import
// that finds none: loading and verifying them was ~2.5 of its ~15 CPU seconds on Gowalla (load ~15). The archive
// needs a class path of jars only, so the configuration directory (read through NEO4J_CONF) is left off it; an archive
// the JVM cannot use (another JDK) is ignored by it (-Xshare:auto). Returns the flags and whether the archive was used.
function adminJvmArgs() {
  const archive = path.join(home, `admin-cds-${pinnedVersion()}.jsa`);
  const used = fs.existsSync(archive);
  const args = jvmArgs().map((a) => (a === '-XX:+UseG1GC' ? '-XX:+UseParallelGC' : a)).flatMap((a) => (a === '-XX:+UseParallelGC' ? [a, '-XX:TieredStopAtLevel=1'] : [a]));
  const cp = args.indexOf('-cp');
  args.splice(cp, 2, '-Xshare:auto', '-Xlog:cds=off', '-Xlog:cds+dynamic=off',
    used ? `-XX:SharedArchiveFile=${archive}` : `-XX:ArchiveClassesAtExit=${archive}`, '-cp', path.join(lib, '*'));
  return { args, classArchive: used ? 'used' : 'created' };
}

function readPid() {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

async function loadDriver() {
  try {
    return (await import('neo4j-driver')).default;
  } catch {
    fail('neo4j-driver is not installed; run npm ci first');
  }
}

async function boltAnswers(uri, usr, pwd) {
  const neo4j = await loadDriver();
  const driver = neo4j.driver(uri, neo4j.auth.basic(usr, pwd), { connectionTimeout: 3000, maxConnectionRetryTime: 0 });
  try {
    await driver.verifyAuthentication();
    return { ok: true };
  } catch (err) {
    return { ok: false, error: err };
  } finally {
    await driver.close();
  }
}

function setInitialPassword() {
  // Only takes effect while the auth store is empty, i.e. before the first start.
  if (fs.existsSync(path.join(home, 'data', 'dbms', 'auth.ini'))) return;
  const r = spawnSync('java', [...jvmArgs(), 'org.neo4j.cli.AdminTool', 'dbms', 'set-initial-password', localPassword], {
    encoding: 'utf8',
    env: { ...process.env, NEO4J_HOME: home, NEO4J_CONF: confDir },
  });
  if (r.status !== 0) fail(`setting the initial password failed:\n${r.stdout}\n${r.stderr}`);
}

async function start() {
  install();
  const pid = readPid();
  const uri = `bolt://127.0.0.1:${boltPort}`;
  if (pid && alive(pid)) {
    const probe = await boltAnswers(uri, localUser, localPassword);
    if (probe.ok) {
      log('already running', { pid, uri, instance });
      return;
    }
  }
  writeConf();
  setInitialPassword();
  const out = fs.openSync(consoleLog, 'a');
  const child = spawn('java', [...jvmArgs(), 'org.neo4j.server.CommunityEntryPoint', `--home-dir=${home}`, `--config-dir=${confDir}`, '--console-mode'], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, NEO4J_HOME: home, NEO4J_CONF: confDir },
  });
  fs.writeFileSync(pidFile, String(child.pid));
  child.unref();
  log('starting', { pid: child.pid, instance, uri, http: `http://127.0.0.1:${httpPort}`, log: consoleLog });
  const deadline = Date.now() + startTimeoutMs;
  let last;
  while (Date.now() < deadline) {
    if (!alive(child.pid)) {
      fail(`Neo4j exited during start-up. Last lines of ${consoleLog}:\n${tail(consoleLog)}`);
    }
    const probe = await boltAnswers(uri, localUser, localPassword);
    if (probe.ok) {
      log('ready', { pid: child.pid, uri, seconds: Math.round((startTimeoutMs - (deadline - Date.now())) / 1000) });
      return;
    }
    last = probe.error;
    await new Promise((r) => setTimeout(r, 1000));
  }
  fail(`Neo4j did not answer Bolt at ${uri} within ${startTimeoutMs / 1000}s (last error: ${last?.message}). ` +
    `Last lines of ${consoleLog}:\n${tail(consoleLog)}`);
}

async function stop() {
  const pid = readPid();
  if (!pid || !alive(pid)) {
    log('not running');
    fs.rmSync(pidFile, { force: true });
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  if (alive(pid)) {
    log('did not stop within 60s; killing', { pid });
    process.kill(pid, 'SIGKILL');
  }
  fs.rmSync(pidFile, { force: true });
  log('stopped', { pid });
}

async function status() {
  const pid = readPid();
  const running = pid !== null && alive(pid);
  const uri = `bolt://127.0.0.1:${boltPort}`;
  const bolt = running ? (await boltAnswers(uri, localUser, localPassword)).ok : false;
  process.stdout.write(JSON.stringify({ instance, installed: installed(), version: pinnedVersion(), running, pid: running ? pid : null, bolt, uri }) + '\n');
  process.exitCode = bolt ? 0 : 3;
}

async function ensure() {
  const prefix = isTest ? 'NEO4J_TEST_' : 'NEO4J_';
  const uri = process.env[`${prefix}URI`];
  if (uri) {
    const user = process.env[`${prefix}USER`] || 'neo4j';
    const probe = await boltAnswers(uri, user, process.env[`${prefix}PASSWORD`] || '');
    if (!probe.ok) fail(`${prefix}URI=${uri} is set but does not answer as ${user}: ${probe.error.message}`);
    log('using configured Neo4j', { uri });
    return;
  }
  await start();
}

// neo4j-admin's off-heap budget: 8 × the CSV bytes, at least 256 MiB, at most the server's page cache. It takes all
// it is given; on Gowalla (21 MB of CSV) 256 MiB was faster than the 1 GiB page cache (9.4 against 11.4 s at load ~2).
function importOffHeap(manifest) {
  let bytes = 0;
  for (const f of [...manifest.nodes, ...manifest.relationships]) bytes += fs.statSync(f.file).size;
  const mib = Math.min(parseSize(pageCache), Math.max(256, Math.ceil((8 * bytes) / 2 ** 20)));
  return `${mib}m`;
}

// A size as in neo4j.conf ("512m", "1g") in MiB.
function parseSize(text) {
  const m = /^(\d+)([kmg])$/i.exec(text);
  if (!m) fail(`NEO4J_LOCAL_PAGECACHE must be a size like 512m or 1g, got "${text}"`);
  return Number(m[1]) * { k: 1 / 1024, m: 1, g: 1024 }[m[2].toLowerCase()];
}

// The bulk path of the import (src/import/bulk.ts): the server is stopped, neo4j-admin replaces the default
// database by the files of <dir>/manifest.json, and the server is started again whatever the import's outcome.
// Prints the phases' seconds as one JSON line on stdout; neo4j-admin's own output goes to stderr.
async function importFull() {
  const k = process.argv.indexOf('--dir');
  const dir = k > 0 ? process.argv[k + 1] : undefined;
  if (!dir) fail('import-full needs --dir <dir holding manifest.json>');
  if (process.env[isTest ? 'NEO4J_TEST_URI' : 'NEO4J_URI']) fail(`import-full works on the local ${instance} server only; ${isTest ? 'NEO4J_TEST_URI' : 'NEO4J_URI'} is set`);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  install();
  const t0 = Date.now();
  await stop();
  const t1 = Date.now();
  writeConf();
  const args = ['database', 'import', 'full',
    ...manifest.nodes.map((n) => `--nodes=${n.label}=${n.file}`),
    ...manifest.relationships.map((r) => `--relationships=${r.type}=${r.file}`),
    `--array-delimiter=${manifest.arrayDelimiter}`, `--multiline-fields=${manifest.multilineFields ? 'true' : 'false'}`,
    '--id-type=integer', '--overwrite-destination=true', '--bad-tolerance=0', '--skip-duplicate-nodes=false', '--skip-bad-relationships=false',
    `--report-file=${path.join(dir, 'import.report')}`, `--max-off-heap-memory=${importOffHeap(manifest)}`, 'neo4j'];
  log('neo4j-admin database import full', { instance, dir });
  // CPU seconds of neo4j-admin (sampled from /proc while it runs; the machine may be shared, so wall time alone says little)
  let cpuSeconds = null;
  // its stages from its own output: seconds from the spawn to "Import starting" (JVM start, input estimates, store
  // creation), each stage's "COMPLETED in" time, and the rest (closing the store, the JVM's exit)
  const stages = { startup: null, nodes: null, relationships: null, linking: null, postProcessing: null, exit: null };
  const stageOf = { 'Node import': 'nodes', 'Relationship import': 'relationships', 'Relationship linking': 'linking', 'Post processing': 'postProcessing' };
  const jvm = adminJvmArgs();
  const spawned = Date.now();
  let done = null;
  const r = await new Promise((resolve) => {
    const child = spawn('java', [...jvm.args, 'org.neo4j.cli.AdminTool', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NEO4J_HOME: home, NEO4J_CONF: confDir },
    });
    let pending = '';
    const onData = (d) => {
      process.stderr.write(d);
      pending += d;
      let k;
      while ((k = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, k);
        pending = pending.slice(k + 1);
        if (stages.startup === null && line.startsWith('Import starting')) stages.startup = (Date.now() - spawned) / 1000;
        const m = /^(Node import|Relationship import|Relationship linking|Post processing) COMPLETED in (?:(\d+)m )?(?:(\d+)s )?(\d+)ms/.exec(line);
        if (m) stages[stageOf[m[1]]] = Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0) + Number(m[4]) / 1000;
        if (line.startsWith('IMPORT DONE')) done = Date.now();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const sample = setInterval(() => {
      try {
        const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpuSeconds = (Number(f[11]) + Number(f[12])) / 100;
      } catch {
        // not on Linux, or already gone
      }
    }, 100);
    child.on('error', (error) => { clearInterval(sample); resolve({ error }); });
    child.on('close', (status) => { clearInterval(sample); resolve({ status }); });
  });
  const t2 = Date.now();
  if (done !== null) stages.exit = (t2 - done) / 1000;
  await start();
  const t3 = Date.now();
  if (r.error || r.status !== 0) fail(`neo4j-admin database import full failed (${r.error?.message ?? `exit ${r.status}`}); the server was restarted with its database as neo4j-admin left it`);
  process.stdout.write(JSON.stringify({ stop: (t1 - t0) / 1000, import: (t2 - t1) / 1000, start: (t3 - t2) / 1000, importCpuSeconds: cpuSeconds, importStages: stages, classArchive: jvm.classArchive }) + '\n');
}

const commands = { install: async () => install(), start, stop, status, ensure, 'import-full': importFull };
const cmd = process.argv[2];
if (!commands[cmd]) {
  process.stderr.write('usage: node scripts/neo4j.mjs install|start|stop|status|ensure|import-full [--instance dev|test] [--dir <dir>]\n');
  process.exit(2);
}
await commands[cmd]();
