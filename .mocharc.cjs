// Mocha's settings for the unit and integration tests (test/editor/.mocharc.cjs has the editor's).
// A test that does not run cannot fail: a `.only` left in a file fails the run everywhere, and under
// CI=true so does any test that did not run (`it.skip`, or `this.skip()` at run time), so a green
// CI run ran every test. Outside CI a test that cannot run on this machine skips and says why; a
// safety test fails under CI=true even where mocha is told to allow skips (test/support/skipping.ts).
const inCi = process.env.CI === 'true';

module.exports = {
  'node-option': ['import=tsx'],
  extension: ['ts'],
  timeout: 20000,
  reporter: 'spec',
  exit: true,
  'forbid-only': true,
  'forbid-pending': inCi,
};
