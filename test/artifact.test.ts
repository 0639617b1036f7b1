import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ArtifactError } from '../src/errors.js';
import { numericBin, type NumericBaseline } from '../src/model/baseline.js';
import { ModelRegistry } from '../src/model/registry.js';
import type { GbdtModelJson } from '../src/model/gbdt/model-json.js';
import { tempDir, trainedRegistry } from './helpers/fixtures.js';

/** A registry in a fresh directory holding a copy of the test model as v1 (current). */
function copyRegistry(): { registry: ModelRegistry; file: string; text: string } {
  const source = trainedRegistry();
  const text = readFileSync(source.fileOf('v1'), 'utf8');
  const registry = new ModelRegistry(tempDir());
  const { version: _v, sha256: _s, ...unsealed } = JSON.parse(text);
  registry.setCurrent(registry.register(unsealed));
  return { registry, file: registry.fileOf('v1'), text: readFileSync(registry.fileOf('v1'), 'utf8') };
}

function assertRefused(registry: ModelRegistry, file: string, problem: RegExp) {
  assert.throws(() => registry.load(), (error: unknown) => {
    assert.ok(error instanceof ArtifactError, `an ArtifactError, got ${error}`);
    assert.equal(error.code, 'MW_ARTIFACT_INVALID');
    assert.ok(error.message.includes(file), `names the file: ${error.message}`);
    assert.match(error.message, problem);
    return true;
  });
}

describe('model artifact', () => {
  test('is self-describing: version, created_at, data sha256, schema, encoders, params, holdout metrics, reliability, baseline', () => {
    const { artifact } = trainedRegistry().read('v1');
    assert.equal(artifact.version, 'v1');
    assert.ok(!Number.isNaN(Date.parse(artifact.created_at)));
    assert.match(artifact.training.data_sha256, /^[0-9a-f]{64}$/);
    assert.equal(artifact.schema.features.length, 16);
    assert.deepEqual(artifact.schema.features.find((f) => f.name === 'marital')?.categories, ['divorced', 'married', 'single']);
    assert.equal((artifact.model as GbdtModelJson).params.maxIter, 60);
    assert.ok((artifact.metrics.holdout as { auc: number }).auc > 0.8);
    assert.equal(artifact.metrics.reliability?.bins.length, 10);
    const pdays = artifact.baseline.features.pdays as NumericBaseline;
    assert.equal(pdays.labels[0], '=-1', 'the pdays=-1 point mass has a bin of its own');
    assert.ok(pdays.shares[0] > 0.7);
    assert.ok(Math.abs(pdays.shares.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.equal(numericBin(pdays, -1), 0);
    assert.equal(numericBin(pdays, 100_000), pdays.labels.length - 1, 'outer bins are open-ended');
    const job = artifact.baseline.features.job;
    assert.equal(job.labels.at(-1), '__unseen__');
    assert.ok(Math.abs(artifact.baseline.classShares[0] + artifact.baseline.classShares[1] - 1) < 1e-12);
  });

  test('a truncated file is refused, naming the file', () => {
    const { registry, file, text } = copyRegistry();
    writeFileSync(file, text.slice(0, text.length / 2));
    assertRefused(registry, file, /not valid JSON/);
  });

  test('a changed value is refused by the checksum', () => {
    const { registry, file, text } = copyRegistry();
    const artifact = JSON.parse(text);
    artifact.model.trees[0].value[1] += 0.5;
    writeFileSync(file, JSON.stringify(artifact));
    assertRefused(registry, file, /checksum mismatch/);
  });

  test('a structurally broken tree is refused even with a matching checksum', async () => {
    const { registry, file, text } = copyRegistry();
    const { sha256: _s, ...artifact } = JSON.parse(text);
    artifact.model.trees[0].left[0] = 9999;
    const { serializeArtifact } = await import('../src/model/artifact.js');
    writeFileSync(file, serializeArtifact(artifact));
    assertRefused(registry, file, /model trees: .*tree 0/);
  });

  test('a file of another format, or a newer format version, is refused', () => {
    const { registry, file, text } = copyRegistry();
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    assertRefused(registry, file, /not a modelwatch model/);
    writeFileSync(file, JSON.stringify({ ...JSON.parse(text), format_version: 99 }));
    assertRefused(registry, file, /format_version 99 is not supported/);
  });

  test('a missing field is refused with its path', () => {
    const { registry, file, text } = copyRegistry();
    const artifact = JSON.parse(text);
    delete artifact.baseline;
    writeFileSync(file, JSON.stringify(artifact));
    assertRefused(registry, file, /baseline/);
  });
});

describe('model registry', () => {
  test('keeps every version and a pointer to the current one', () => {
    const { registry, text } = copyRegistry();
    const { version: _v, sha256: _s, ...unsealed } = JSON.parse(text);
    const v2 = registry.register(unsealed);
    assert.equal(v2, 'v2');
    assert.equal(registry.currentVersion(), 'v1', 'registering does not promote');
    registry.setCurrent('v2');
    assert.deepEqual(registry.list().map((e) => [e.version, e.current]), [['v1', false], ['v2', true]]);
    assert.equal(registry.load().version, 'v2');
    assert.equal(registry.read('v2').artifact.version, 'v2', 'file name and content agree');
    assert.throws(() => registry.setCurrent('v9'), /v9 is not in the registry/);
  });

  test('an empty registry says to train first', () => {
    assert.throws(() => new ModelRegistry(tempDir()).load(), /no current version; run `modelwatch train` first/);
  });
});
