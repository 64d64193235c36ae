/**
 * The layers of src/ (checked by test/unit/architecture.test.ts, so by `npm test`): api -> serving -> model -> graph -> db,
 * policy beside serving (serving uses it), config.ts and the other root files below all of them, cli and eval on top;
 * no folder imports another that imports it back.
 */
const LAYERS_BELOW_API = '^src/(serving|policy|model|graph|db|import|config\\.ts)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      comment: 'Folders of src/ must not import each other in a circle (e.g. graph -> model -> graph).',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycle',
      comment: 'Modules must not import each other in a circle.',
      severity: 'error',
      from: { path: '^src' },
      to: { circular: true },
    },
    {
      name: 'api-on-top',
      comment: 'Only src/api (and src/cli above it) may import src/api: GraphQL stays out of the domain.',
      severity: 'error',
      from: { path: LAYERS_BELOW_API },
      to: { path: '^src/api/' },
    },
    {
      name: 'serving-above-model',
      comment: 'The model, the graph, the database, the policy and config.ts must not import src/serving.',
      severity: 'error',
      from: { path: '^src/(policy|model|graph|db|import|config\\.ts)' },
      to: { path: '^src/serving/' },
    },
    {
      name: 'policy-beside-serving',
      comment: 'src/policy is used by serving; the model, the graph and the database must not import it.',
      severity: 'error',
      from: { path: '^src/(model|graph|db|import|config\\.ts)' },
      to: { path: '^src/policy/' },
    },
    {
      name: 'model-above-graph',
      comment: 'The graph and the database must not import src/model.',
      severity: 'error',
      from: { path: '^src/(graph|db|config\\.ts)' },
      to: { path: '^src/model/' },
    },
    {
      name: 'graph-above-db',
      comment: 'The database layer and config.ts must not import the graph (or anything above it).',
      severity: 'error',
      from: { path: '^src/(db|config\\.ts)' },
      to: { path: '^src/(graph|import|eval|cli)/' },
    },
    {
      name: 'cli-and-eval-on-top',
      comment: 'Nothing in src imports the command-line entry points, and only they import the offline evaluation.',
      severity: 'error',
      from: { path: '^src', pathNot: '^src/(cli|eval)/' },
      to: { path: '^src/(cli|eval)/' },
    },
    {
      name: 'no-bench-or-test-in-src',
      comment: 'Production code must not import benchmarks or tests.',
      severity: 'error',
      from: { path: '^src' },
      to: { path: '^(bench|test)/' },
    },
    {
      name: 'no-dev-dependencies-in-src',
      comment: 'The production image has no devDependencies (npm prune --omit=dev): src must not import one (plots live in bench/).',
      severity: 'error',
      from: { path: '^src' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    moduleSystems: ['cjs', 'es6'],
  },
};
