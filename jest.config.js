/** One jest run for every workspace; the type check runs separately (`npm run typecheck`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared', '<rootDir>/stateless-mcp-on-lambda', '<rootDir>/stateless-mcp-on-ecs', '<rootDir>/stateful-mcp-on-ecs', '<rootDir>/local', '<rootDir>/test', '<rootDir>/conformance'],
  // The conformance tools folder has its own node_modules (Node 22, the suites, the Inspector).
  modulePathIgnorePatterns: ['<rootDir>/conformance/tools/'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true, module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true } }],
  },
  testTimeout: 30_000,
};
