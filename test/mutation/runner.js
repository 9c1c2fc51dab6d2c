'use strict';
module.exports = require('./jest-plugins').MutationRunner;
