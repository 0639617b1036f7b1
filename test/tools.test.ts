/**
 * A test that needs an outside program skips without it on a developer's machine, and fails in CI
 * (MODELWATCH_REQUIRE_TOOLS=1, set by .ci/run), where a skip would pass with the test never run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { commandMissing, fileMissing, REQUIRE_TOOLS_ENV, skipUnlessTool } from './helpers/tools.js';

describe('skipUnlessTool', () => {
  const absent = commandMissing('modelwatch-no-such-tool', 'apt-get install nothing');

  test('an absent command is named with how to install it; a present one is not missing', () => {
    assert.match(absent ?? '', /^modelwatch-no-such-tool not found: apt-get install nothing/);
    assert.equal(commandMissing(process.execPath, 'it runs this test'), undefined);
    assert.equal(fileMissing(process.execPath, 'x'), undefined);
    assert.equal(fileMissing('/no/such/file', 'needs it'), 'needs it');
  });

  test('without MODELWATCH_REQUIRE_TOOLS a missing tool is a skip with its reason', () => {
    assert.equal(skipUnlessTool(absent, {}), absent);
    assert.equal(skipUnlessTool(undefined, {}), false);
    assert.equal(skipUnlessTool(undefined, { [REQUIRE_TOOLS_ENV]: '1' }), false, 'nothing missing: runs');
  });

  test('with MODELWATCH_REQUIRE_TOOLS=1 a missing tool throws, naming it', () => {
    assert.throws(() => skipUnlessTool(absent, { [REQUIRE_TOOLS_ENV]: '1' }), /modelwatch-no-such-tool not found.*MODELWATCH_REQUIRE_TOOLS=1/);
  });

  test('CI sets MODELWATCH_REQUIRE_TOOLS=1 before npm test', () => {
    const script = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
    const exported = script.indexOf(`export ${REQUIRE_TOOLS_ENV}=1`);
    assert.ok(exported > 0, `.ci/run exports ${REQUIRE_TOOLS_ENV}=1`);
    assert.ok(exported < script.indexOf('npm test'), 'before npm test');
  });
});
