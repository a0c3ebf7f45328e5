// Four tiers, one runner. @swc/jest transpiles TypeScript (≈4× faster than ts-jest; `npm run typecheck` does types).
const transform = { '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] };
// jose, fauxqs and peerjs ship ES modules only: let swc turn them into CommonJS for jest.
const common = {
  transform,
  transformIgnorePatterns: ['/node_modules/(?!(jose|fauxqs|peerjs)/)'],
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/hang-timeout.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/hang-timeout.ts'],
      // Starts the local three-master Redis Cluster the *-cluster suites run against (see test/support/redis-cluster.ts).
      globalSetup: '<rootDir>/test/support/integration-global-setup.ts',
    },
    {
      ...common,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/hang-timeout.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/support/quiet-logs.ts'],
    },
  ],
};
