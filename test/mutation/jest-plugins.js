'use strict';
/**
 * The jest environment and runner of `npm run mutation` (stryker.config.mjs). Stryker runs, for each mutant, every
 * test that covered it, in one in-band jest run, without bail. One failing test already kills the mutant, and a
 * handler suite's module load costs more than most of its tests, so under an active mutant:
 * - the runner loads only the suites that hold a test Stryker asked for (its test name pattern), from the names the
 *   environment recorded in the run without a mutant (Stryker's initial run), the slowest to load last;
 * - once a test failed, the environment skips the mutant's remaining tests, and the runner its remaining suites.
 * A run without an active mutant (Stryker's initial run, plain jest) runs everything.
 */
const fs = require('node:fs');
const path = require('node:path');
const { TestEnvironment } = require('jest-environment-node');
const TestRunner = require('jest-runner').default;

/** Stryker's variable naming the active mutant (@stryker-mutator/instrumenter, ACTIVE_MUTANT_ENV_VARIABLE). */
const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
/** Full test name → suite path, recorded in the run without a mutant; in the sandbox Stryker runs in. */
const NAMES_FILE = path.join(process.cwd(), 'reports', 'mutation', 'test-suites.json');

/** Suites whose module load costs most: run after the others. */
const HEAVY_SUITES = /[\\/](fuzz|clerk-lambda-authorizer\.metrics)\.test\.ts$/;

// Module state: jest loads this file once per worker process for both roles, and runs in band.
let killed;
let suitesByName;

/** What jest (and Stryker) call a test: its describe blocks' names and its own, joined by spaces. */
function fullName(test) {
  const names = [];
  for (let block = test; block !== undefined && block.parent !== undefined; block = block.parent) names.unshift(block.name);
  return names.join(' ');
}

class MutationEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.testPath = context.testPath;
    this.names = [];
  }

  async handleTestEvent(event) {
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined) {
      if (event.name === 'test_start') this.names.push(fullName(event.test));
    } else if (event.name === 'test_fn_failure' || event.name === 'hook_failure') {
      killed = mutant;
    } else if (event.name === 'test_start' && killed === mutant) {
      event.test.mode = 'skip';
    }
  }

  async teardown() {
    if (this.names.length > 0) {
      let all = {};
      try {
        all = JSON.parse(fs.readFileSync(NAMES_FILE, 'utf8'));
      } catch {
        // The first suite of the run.
      }
      for (const name of this.names) (all[name] ??= []).includes(this.testPath) || all[name].push(this.testPath);
      fs.mkdirSync(path.dirname(NAMES_FILE), { recursive: true });
      fs.writeFileSync(NAMES_FILE, JSON.stringify(all));
    }
    await super.teardown();
  }
}

class MutationRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined || !options.serial) return super.runTests(tests, watcher, options);
    const wanted = suitesFor(this._globalConfig.testNamePattern);
    // The suites that are slow to load (Clerk's SDK, aws-cdk-lib) last: a lighter one usually kills the mutant first.
    const heavy = (test) => (HEAVY_SUITES.test(test.path) ? 1 : 0);
    for (const test of [...tests].sort((a, b) => heavy(a) - heavy(b))) {
      if (killed === mutant) break;
      if (wanted === undefined || wanted.has(test.path)) await super.runTests([test], watcher, options);
    }
  }
}

/** The suites holding a test whose name matches `pattern` (as jest matches it); undefined: run them all. */
function suitesFor(pattern) {
  if (!pattern) return undefined;
  if (suitesByName === undefined) {
    try {
      suitesByName = JSON.parse(fs.readFileSync(NAMES_FILE, 'utf8'));
    } catch {
      return undefined;
    }
  }
  const regex = new RegExp(pattern, 'i');
  const suites = new Set();
  for (const [name, paths] of Object.entries(suitesByName)) if (regex.test(name)) paths.forEach((p) => suites.add(p));
  return suites.size === 0 ? undefined : suites;
}

module.exports = { MutationEnvironment, MutationRunner };
