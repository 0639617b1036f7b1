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

  test('ADMIN_TOKEN: a short or repetitive token is refused at start, and never echoed', () => {
    for (const weak of ['a', 'drill-secret', 'aaaaaaaaaaaaaaaaaaaaaaaa', 'abababababababababab']) {
      assert.throws(
        () => loadConfig({ ADMIN_TOKEN: weak }),
        (error: Error & { code?: string }) => error.code === 'MW_CONFIG_INVALID' && /ADMIN_TOKEN/.test(error.message) && /16 characters/.test(error.message) && !error.message.includes(JSON.stringify(weak)) && error.message.includes("(hidden)"),
        weak,
      );
    }
    assert.equal(loadConfig({ ADMIN_TOKEN: '3f9a0c1d2e4b5a6978' }).ADMIN_TOKEN, '3f9a0c1d2e4b5a6978');
  });
});
