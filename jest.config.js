// One Jest run, two projects: fast unit specs beside the code, and integration specs that talk to the real
// Kafka broker and PostgreSQL server (the global setup starts Kafka when none is running).
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

const common = {
  testEnvironment: 'node',
  transform: {
    // isolatedModules: transpile only (type checking is `npm run typecheck`), which keeps a 2-core run fast.
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  rootDir: __dirname,
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.cjs',
      globalTeardown: '<rootDir>/test/global-teardown.cjs',
      setupFilesAfterEnv: ['<rootDir>/test/integration-setup.ts'],
      slowTestThreshold: 30,
    },
  ],
};
