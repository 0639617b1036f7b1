import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

describe('config', () => {
  test('defaults, then environment, then flags', () => {
    assert.equal(loadConfig({}).PORT, 5000);
    assert.equal(loadConfig({ PORT: '8080' }).PORT, 8080);
    assert.equal(loadConfig({ PORT: '8080' }, { PORT: '9090' }).PORT, 9090);
    assert.equal(loadConfig({ AUDIT_LOG: 'false' }).AUDIT_LOG, false);
    assert.equal(loadConfig({}).MODEL_DIR, 'models');
    assert.equal(loadConfig({ TRAIN_DATA: '' }).TRAIN_DATA, undefined, 'an empty variable counts as unset');
  });

  const bad: [string, Record<string, string>, RegExp][] = [
    ['a non-numeric port', { PORT: 'abc' }, /Invalid setting PORT="abc": expected an integer in 0\.\.65535/],
    ['a port out of range', { PORT: '70000' }, /PORT="70000"/],
    ['a non-boolean flag', { AUDIT_LOG: 'maybe' }, /AUDIT_LOG="maybe": expected true or false/],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud": expected one of fatal, error, warn, info, debug, trace/],
    ['a zero batch size', { BATCH_MAX_ROWS: '0' }, /BATCH_MAX_ROWS="0"/],
  ];
  for (const [name, env, message] of bad) {
    test(`fails fast on ${name}, naming the setting and the value`, () => {
      assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
    });
  }
});
