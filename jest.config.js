/** Unit specs sit beside the code; e2e specs boot the real app over HTTP on real SQLite files. */
const tsJest = (astTransformers) => ({
  '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', astTransformers }],
});
const moduleNameMapper = { '^@dbforge/contracts$': '<rootDir>/libs/contracts/src', '^@dbforge/client$': '<rootDir>/libs/client/src' };

module.exports = {
  // testTimeout is a global option (a project-level one is ignored): e2e suites boot servers and engines.
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/apps/**/src/**/*.spec.ts', '<rootDir>/libs/**/src/**/*.spec.ts'],
      transform: tsJest(undefined),
      moduleNameMapper,
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/apps/**/test/**/*.e2e-spec.ts', '<rootDir>/libs/**/test/**/*.e2e-spec.ts'],
      transform: tsJest({ before: ['<rootDir>/test-support/swagger-plugin.transformer.cjs'] }),
      moduleNameMapper,
    },
  ],
};
