// `npm run mutation` (issue 11): Stryker mutates the handler's source and runs the `source` jest project's handler
// suites against each mutant (package.json `jest.projects`, so the tests are the same ones `npm test` runs on the
// source). test/mutation/report.mjs turns the JSON report into test/mutation/REPORT.md.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

// test/fuzz.test.ts: 100 cases per property instead of its thousands (property 2 loads a handler per case), unless
// set. The test workers inherit this process's environment.
process.env.FUZZ_RUNS ??= '100';
const source = require('./package.json').jest.projects.find((p) => p.displayName === 'source');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // The handler: its entry and every module under src/private/lambda (the predicate evaluator is evaluate.ts).
  mutate: ['src/clerk-authorizer.lambda.ts', 'src/private/lambda/**/*.ts'],
  jest: {
    projectType: 'custom',
    config: {
      ...source,
      // test/util/handler.ts: the handler's source, loaded in each test that invokes it (see `perTestHandler`).
      globals: { HANDLER_UNDER_TEST: 'mutation' },
      // One failing test kills a mutant: load only the suites with a test that covers it, and stop at the first
      // failure (test/mutation/jest-plugins.js).
      testEnvironment: fileURLToPath(new URL('test/mutation/environment.js', import.meta.url)),
      runner: fileURLToPath(new URL('test/mutation/runner.js', import.meta.url)),
      // Not the differential suites: they run their whole corpus in `beforeAll`, where Stryker cannot tell which test
      // covers which mutant, so every mutant would run them.
      testMatch: source.testMatch.filter((glob) => !glob.includes('differential')),
    },
    // Every handler suite loads the entry, which reaches every handler module: related tests would be all of them.
    enableFindRelatedTests: false,
  },
  coverageAnalysis: 'perTest',
  // A rerun reuses the results of unchanged code and tests (reports/mutation/stryker-incremental.json); it tests
  // every mutant that timed out again.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  concurrency: 2,
  // Stryker's timeout is 1.5 x the covering tests' own time + this; it does not count loading their suites (keys,
  // servers, aws-cdk-lib), which can take longer than the tests themselves, so a tight one reports a slow kill or a
  // survivor as a timeout (counted as detected) and restarts the worker. A mutant that loops is stopped by Stryker's
  // hit limit, one that hangs by jest's test timeout: this one only catches what neither does.
  timeoutMS: 60000,
  reporters: ['progress', 'clear-text', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // The sandbox is a copy of the repository: leave out what the tests do not read.
  ignorePatterns: ['/dist', '/lib', '/coverage', '/test-reports', '/reports', '/cdk.out', '/.venv-*', '/.node24', '/.jsii', '/tsconfig.tsbuildinfo', '*.snapshot'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // No `break`: test/mutation/report.mjs writes the report first, then fails below `low`.
  thresholds: { high: 95, low: 90, break: null },
};
