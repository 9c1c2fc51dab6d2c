'use strict';
/**
 * The jest environment of `npm run mutation` (stryker.config.mjs): node's, plus a bail. Stryker runs jest with
 * `bail: false` and every test that covers a mutant; one failing test already kills it, so once a test fails under a
 * mutant, the rest of that mutant's tests are skipped, in every suite of the run. Never skips in a run without an
 * active mutant (Stryker's initial run, or plain jest).
 */
const { TestEnvironment } = require('jest-environment-node');

/** Stryker's variable naming the active mutant (@stryker-mutator/instrumenter, ACTIVE_MUTANT_ENV_VARIABLE). */
const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';

// Module state, shared by the environments of every suite this worker process runs (jest loads this file once).
let killed;

class BailEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined) return;
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure') killed = mutant;
    else if (event.name === 'test_start' && killed === mutant) event.test.mode = 'skip';
  }
}

module.exports = BailEnvironment;
