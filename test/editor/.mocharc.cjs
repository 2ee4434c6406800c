// Mocha's settings for the editor stories (`npm run test:editor`, test/editor/run.ts passes this
// file). As for the unit and integration tests (.mocharc.cjs at the root): a `.only` fails the run
// everywhere, and under CI=true so does a story that did not run, such as one skipped because the
// story it builds on failed.
const inCi = process.env.CI === 'true';

module.exports = {
  'node-option': ['import=tsx'],
  require: ['test/editor/support/hooks.ts'],
  spec: ['test/editor/stories/*.test.ts'],
  extension: ['ts'],
  timeout: 90000,
  slow: 10000,
  bail: false,
  reporter: 'spec',
  'forbid-only': true,
  'forbid-pending': inCi,
};
