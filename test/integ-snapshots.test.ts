/**
 * The offline checks of the demo path: the integration tests' snapshots (test/integ.*.ts.snapshot/) and the README's
 * first command (`npm run demo`, examples/demo.ts), both on every `npx projen build`.
 *
 * integ-runner without `--update-on-failed` or `--force` only synthesizes each test/integ.*.ts app and diffs its
 * templates with the committed snapshot: no deployment, no AWS credentials, no lookups, no network. Any difference
 * fails, except asset hashes: the tests set `diffAssets: false`, because the handler bundle's hash changes with every
 * handler commit while what these tests pin is the infrastructure around it.
 *
 * After an intended change, regenerate the snapshots (offline), review the diff and commit the snapshot directories:
 *
 *   npx projen integ:update
 *
 * which runs `npx projen bundle`, then `integ-runner --force --dry-run --update-on-failed`, then
 * `rm -rf test/integ.*.ts.snapshot/asset.*`. integ-runner reads its other options from integ.config.json (written by
 * .projenrc.ts) in the repository root, where both this test and the task run it.
 *
 * The snapshots keep templates and manifests but not asset directories: asset contents are not compared, each test
 * would carry a 2 MB copy of integ-tests-alpha's assertion provider, and the handler copy would go stale between
 * regenerations anyway. Without them a snapshot cannot be deployed as the "before" state of integ-runner's update
 * workflow, so the tests turn it off (`stackUpdateWorkflow: false`).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const INTEG_RUNNER = require.resolve('@aws-cdk/integ-runner/bin/integ-runner');

/** The integ test apps, as integ-runner discovers them. */
const INTEG_TESTS = fs.readdirSync(path.join(ROOT, 'test')).filter((f) => /^integ\..+\.ts$/.test(f)).sort();

/**
 * integ-runner in the repository root (so it reads integ.config.json, like `integ:update`), without the variables that point a deploy run at a real Clerk instance. */
function integRunner(...args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CLERK_INTEG_')));
  return spawnSync(process.execPath, [INTEG_RUNNER, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 240_000 });
}

test('the integ tests are the ones integ-runner discovers, each with a committed snapshot', () => {
  expect(INTEG_TESTS).toEqual(['integ.jwt-authorizer.ts', 'integ.lambda-authorizer.ts']);
  const listed = integRunner('--list');
  expect(listed.status).toBe(0);
  expect(listed.stdout.trim().split('\n').sort()).toEqual(INTEG_TESTS);
  for (const test of INTEG_TESTS) {
    const dir = path.join(ROOT, 'test', `${test}.snapshot`);
    expect(fs.existsSync(path.join(dir, 'manifest.json'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'integ.json'))).toBe(true);
    // Asset directories are not compared and not kept (2 MB of integ-tests-alpha's provider per test).
    const assets = fs.readdirSync(dir).filter((f) => f.startsWith('asset.'));
    if (assets.length > 0) {
      throw new Error(`test/${test}.snapshot/ holds asset directories that must not be committed: ${assets.join(', ')} ` +
        "(remove them: sh -c 'rm -rf test/integ.*.ts.snapshot/asset.*')");
    }
  }
});

test('every integ test synthesizes to its committed snapshot (offline, asset hashes ignored)', () => {
  const run = integRunner();
  const output = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) {
    throw new Error(
      `integ-runner found snapshot drift (exit ${run.status}${run.signal ? `, ${run.signal}` : ''}). If the change is ` +
        'intended, regenerate the snapshots with `npx projen integ:update`, review the diff and commit ' +
        `them.\n${output}`,
    );
  }
  for (const test of INTEG_TESTS) {
    expect(output).toMatch(new RegExp(`UNCHANGED\\s+${test.replace(/\.ts$/, '').replace(/\./g, '\\.')}\\s`));
  }
}, 240_000);

test('the demo (examples/demo.ts, the README\'s first command) gets every expected answer', () => {
  // What `npm run demo` runs after bundling (the test task bundles before jest).
  const run = spawnSync(
    process.execPath,
    [require.resolve('ts-node/dist/bin.js'), '--project', 'tsconfig.dev.json', '--transpile-only', 'examples/demo.ts'],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
  );
  if (run.status !== 0) throw new Error(`the demo failed (exit ${run.status})\n${run.stdout}\n${run.stderr}`);
  expect(run.stdout).toMatch(/^All \d+ outcomes as expected/m);
  expect(run.stdout).not.toMatch(/^FAIL /m);
  // Tokens are never printed: no JWT-shaped string (three base64url segments starting with a JSON header) in the output.
  expect(run.stdout).not.toMatch(/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./);
}, 120_000);
