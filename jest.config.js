/**
 * Jest: unit tests in test/unit, integration tests (real Neo4j) in test/integration as *.int.test.ts. ts-jest transpiles
 * each file on its own (isolatedModules in tsconfig.json): the types are checked by `npm run typecheck`, not by the tests.
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
