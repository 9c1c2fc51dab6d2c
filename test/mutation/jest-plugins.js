'use strict';
/**
 * The jest environment and runner of `npm run mutation` (stryker.config.mjs). Stryker runs, for each mutant, every
 * test that covered it, in one in-band jest run, without bail. One failing test already kills the mutant, and a
 * handler suite's module load costs more than most of its tests, so under an active mutant:
 * - the runner loads only the suites that hold a test Stryker asked for (its test name pattern), from the names the
 *   environment recorded in the run without a mutant (Stryker's initial run);
 * - it first runs alone the few tests that last killed a mutant of the same source file (mutants next to each other
 *   in the code are mostly killed by the same tests), then the file's other killers so far, with jest's own test
 *   name filter, as Stryker filters; then, if none failed, every test Stryker asked for, the suites that killed most
 *   mutants of that file first and the slowest to load last (which tests run, in their suite's order, is exactly
 *   Stryker's choice: only how soon one fails changes);
 * - once a test failed, the environment skips the mutant's remaining tests, and the runner its remaining suites.
 * A run without an active mutant (Stryker's initial run, plain jest) runs everything.
 */
const fs = require('node:fs');
const path = require('node:path');
const { TestEnvironment } = require('jest-environment-node');
const TestRunner = require('jest-runner').default;

/** Stryker's variable naming the active mutant (@stryker-mutator/instrumenter, ACTIVE_MUTANT_ENV_VARIABLE). */
const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';
/** How the instrumented sandbox source marks a mutant (@stryker-mutator/instrumenter, IS_MUTANT_ACTIVE_HELPER). */
const MUTANT_MARK = /stryMutAct_9fa48\("(\d+)"\)/g;
/** Full test name → suite paths, recorded in the run without a mutant; in the sandbox Stryker runs in. */
const NAMES_FILE = path.join(process.cwd(), 'reports', 'mutation', 'test-suites.json');
/** Source file → the tests and suites that killed its mutants in this run; shared by the worker processes. */
const KILLS_FILE = path.join(process.cwd(), 'reports', 'mutation', 'kills.json');
/** How many of a file's most recent killers run first; how many it remembers. */
const RECENT_KILLERS = 4;
const KILLERS_KEPT = 64;
/** Suites whose module load costs most: run after the others. */
const HEAVY_SUITES = /[\\/](fuzz|clerk-lambda-authorizer\.metrics)\.test\.ts$/;

// Module state: jest loads this file once per worker process for both roles, and runs in band.
/** The mutant a test failed for, and that test's full name. */
let killed;
let killer;
let suitesByName;
let fileByMutant;

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
      if (killed !== mutant) killer = event.test === undefined ? undefined : fullName(event.test);
      killed = mutant;
    } else if (event.name === 'test_start' && killed === mutant) {
      event.test.mode = 'skip';
    }
  }

  async teardown() {
    if (this.names.length > 0) {
      const all = readJson(NAMES_FILE);
      for (const name of this.names) (all[name] ??= []).includes(this.testPath) || all[name].push(this.testPath);
      writeJson(NAMES_FILE, all);
    }
    await super.teardown();
  }
}

class MutationRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined || !options.serial) return super.runTests(tests, watcher, options);
    const start = Date.now();
    const pattern = this._globalConfig.testNamePattern;
    const wanted = suitesFor(pattern);
    const file = sourceFileOf(mutant);
    const history = (file !== undefined && readJson(KILLS_FILE)[file]) || { tests: [], suites: {} };

    // 1. The file's killers so far that Stryker asked for, alone: the most recent few, then the others.
    const asked = pattern ? new RegExp(pattern, 'i') : undefined;
    const killers = history.tests.filter((name) => asked === undefined || asked.test(name));
    for (const names of [killers.slice(0, RECENT_KILLERS), killers.slice(RECENT_KILLERS)]) {
      if (names.length === 0 || suitesByName === undefined || killed === mutant) continue;
      const suites = new Set(names.flatMap((name) => suitesByName[name] ?? []));
      await this.runEach(tests.filter((t) => suites.has(t.path)), watcher, options, mutant, names.map((n) => `(${escapeRegExp(n)})`).join('|'));
    }
    const killedFirst = killed === mutant;
    // 2. Every test Stryker asked for.
    if (killed !== mutant) {
      const kills = (test) => history.suites[test.path] ?? 0;
      const heavy = (test) => (HEAVY_SUITES.test(test.path) ? 1 : 0);
      const rest = tests
        .filter((t) => wanted === undefined || wanted.has(t.path))
        .sort((a, b) => kills(b) - kills(a) || heavy(a) - heavy(b));
      await this.runEach(rest, watcher, options, mutant, pattern);
    }
    if (killed === mutant && file !== undefined) recordKill(file, killer, this.killedIn);
    // MUTATION_TRACE=<file>: one line per mutant (id, file, ms, killed by the recent killers / by the rest / not).
    if (process.env.MUTATION_TRACE) {
      const outcome = killedFirst ? 'recent' : killed === mutant ? 'rest' : 'survived';
      fs.appendFileSync(process.env.MUTATION_TRACE, `${mutant}\t${file}\t${Date.now() - start}\t${outcome}\n`);
    }
  }

  /** Runs `tests` one suite at a time with `testNamePattern` until one fails. */
  async runEach(tests, watcher, options, mutant, testNamePattern) {
    const globalConfig = this._globalConfig;
    this._globalConfig = { ...globalConfig, testNamePattern };
    try {
      for (const test of tests) {
        await super.runTests([test], watcher, options);
        if (killed === mutant) {
          this.killedIn = test.path;
          return;
        }
      }
    } finally {
      this._globalConfig = globalConfig;
    }
  }
}

/** The suites holding a test whose name matches `pattern` (as jest matches it); undefined: run them all. */
function suitesFor(pattern) {
  if (!pattern) return undefined;
  suitesByName ??= fs.existsSync(NAMES_FILE) ? readJson(NAMES_FILE) : undefined;
  if (suitesByName === undefined) return undefined;
  const regex = new RegExp(pattern, 'i');
  const suites = new Set();
  for (const [name, paths] of Object.entries(suitesByName)) if (regex.test(name)) paths.forEach((p) => suites.add(p));
  return suites.size === 0 ? undefined : suites;
}

/** The source file (relative to `src`) that holds mutant `id`, from the instrumented sandbox; read once. */
function sourceFileOf(id) {
  if (fileByMutant === undefined) {
    fileByMutant = new Map();
    for (const file of fs.readdirSync('src', { recursive: true })) {
      if (!file.endsWith('.ts')) continue;
      for (const m of fs.readFileSync(path.join('src', file), 'utf8').matchAll(MUTANT_MARK)) fileByMutant.set(m[1], file);
    }
  }
  return fileByMutant.get(id);
}

/** Puts `test` first in the file's killers and counts a kill for `suite`. */
function recordKill(file, test, suite) {
  const kills = readJson(KILLS_FILE);
  const history = (kills[file] ??= { tests: [], suites: {} });
  if (test !== undefined) history.tests = [test, ...history.tests.filter((name) => name !== test)].slice(0, KILLERS_KEPT);
  if (suite !== undefined) history.suites[suite] = (history.suites[suite] ?? 0) + 1;
  writeJson(KILLS_FILE, kills);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {}; // Not written yet.
  }
}

/** Written whole and renamed, so that the other worker never reads half of it. */
function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}`;
  fs.writeFileSync(temporary, JSON.stringify(value));
  fs.renameSync(temporary, file);
}

/** As Stryker's jest runner escapes a test name into its test name pattern. */
function escapeRegExp(text) {
  return text.replace(/[.*+\-?^${}()|[\]\\]/g, '\\$&');
}

module.exports = { MutationEnvironment, MutationRunner };
