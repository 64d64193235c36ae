/**
 * Jest: test/ mirrors src/ (test/<folder>/<file>.test.ts for src/<folder>/<file>.ts); integration tests (real Neo4j) end
 * in .int.test.ts, shared helpers live in test/helpers. ts-jest transpiles each file on its own (isolatedModules in
 * tsconfig.json): the types are checked by `npm run typecheck`, not by the tests.
 */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testTimeout: 300000,
  setupFiles: ['reflect-metadata'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};
