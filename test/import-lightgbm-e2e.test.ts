/**
 * A LightGBM model file through `modelwatch import` and the service. Debian has no LightGBM, so the
 * file is written by the test helper in LightGBM's exact text format (its reader is tested against
 * real LightGBM files in lightgbm-import.test.ts), with a categorical column whose category order
 * the file records (pandas_categorical) differently from sorted order, so the served answers prove
 * the import encodes by the model's order; the expected probabilities are worked out by hand.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { importModel } from '../src/model/imported/import-model.js';
import { ModelRegistry } from '../src/model/registry.js';
import { startService, type RunningService } from '../src/server/serve.js';
import { tempDir } from './helpers/fixtures.js';
import { writeLightgbmModel } from './helpers/lightgbm-writer.js';

const sigmoid = (m: number) => 1 / (1 + Math.exp(-m));

describe('a LightGBM model imported and served', () => {
  const dir = tempDir('modelwatch-import-lgbm-');
  let service: RunningService;
  before(async () => {
    // The file's own category order: code 0 = yearly, 1 = monthly, 2 = two-year.
    const model = writeLightgbmModel({
      objective: 'binary sigmoid:1',
      featureNames: ['tenure', 'plan', 'calls'],
      // As LightGBM writes them: numeric ranges, the categorical column's codes.
      featureInfos: ['[1:60]', '0:1:2', '[0:7]'],
      pandasCategorical: [['yearly', 'monthly', 'two-year']],
      trees: [
        { feature: 1, categories: [1], left: { leaf: 1 }, right: { feature: 0, threshold: 12.5, left: { leaf: 0.5 }, right: { leaf: -1 } } },
        { feature: 2, threshold: 3.5, missing: 'NaN', defaultLeft: true, left: { leaf: -0.25 }, right: { leaf: 0.75 } },
      ],
    });
    writeFileSync(join(dir, 'churn.txt'), model);
    const lines = ['tenure,plan,calls,churned'];
    const plans = ['yearly', 'monthly', 'two-year'];
    for (let i = 0; i < 400; i++) lines.push(`${1 + (i % 60)},${plans[i % 3]},${i % 8},${i % 3 === 1 || i % 8 > 5 ? 1 : 0}`);
    writeFileSync(join(dir, 'reference.csv'), `${lines.join('\n')}\n`);
    const registry = new ModelRegistry(join(dir, 'models'));
    await importModel({ format: 'lightgbm', modelFile: join(dir, 'churn.txt'), dataFile: join(dir, 'reference.csv'), target: 'churned', registry, promote: true });
    service = await startService(loadConfig({}, { PORT: 0, HOST: '127.0.0.1', MODEL_DIR: registry.dir, LOG_STDOUT: false, MONITOR_INTERVAL_SECONDS: 3600 }));
  });
  after(() => service?.close());

  test('answers what the trees say, categories coded in the order the file records', async () => {
    const cases: [Record<string, string | number>, number][] = [
      [{ tenure: 5, plan: 'monthly', calls: 1 }, 1 - 0.25],
      [{ tenure: 5, plan: 'yearly', calls: 1 }, 0.5 - 0.25],
      [{ tenure: 30, plan: 'two-year', calls: 6 }, -1 + 0.75],
      [{ tenure: 12, plan: 'yearly', calls: 4 }, 0.5 + 0.75],
    ];
    for (const [body, margin] of cases) {
      const response = await fetch(`${service.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(response.status, 200, await response.clone().text());
      const answer = (await response.json()) as { probability: number; label: string };
      assert.equal(answer.probability, sigmoid(margin), JSON.stringify(body));
      assert.equal(answer.label, sigmoid(margin) >= 0.5 ? '1' : '0');
    }
    const status = (await (await fetch(`${service.url}/status`)).json()) as { model: { type: string } };
    assert.equal(status.model.type, 'lightgbm');
  });

  test('a file that is not a LightGBM model, or reads other features, is refused and nothing is written', async () => {
    const registry = new ModelRegistry(join(dir, 'refused'));
    writeFileSync(join(dir, 'garbage.txt'), 'hello\n');
    await assert.rejects(importModel({ format: 'lightgbm', modelFile: join(dir, 'garbage.txt'), dataFile: join(dir, 'reference.csv'), target: 'churned', registry, promote: true }), { code: 'MW_IMPORT_REFUSED' });
    await assert.rejects(
      importModel({ format: 'lightgbm', modelFile: join(dir, 'churn.txt'), dataFile: join(dir, 'reference.csv'), target: 'churned', features: ['tenure', 'calls'], registry, promote: true }),
      (error: Error) => /reads 3 features but 2 were given/.test(error.message),
    );
    await assert.rejects(importModel({ format: 'lightgbm', modelFile: join(dir, 'churn.txt'), dataFile: join(dir, 'reference.csv'), target: 'left', registry, promote: true }), /target column "left" is not in/);
    // A three-class model whose reference data holds two of its classes.
    const leaf = { leaf: 0.5 };
    writeFileSync(join(dir, 'three.txt'), writeLightgbmModel({ objective: 'multiclass num_class:3', numClass: 3, featureNames: ['tenure', 'plan', 'calls'], featureInfos: ['[1:60]', '0:1:2', '[0:7]'], pandasCategorical: [['yearly', 'monthly', 'two-year']], trees: [leaf, leaf, leaf] }));
    await assert.rejects(importModel({ format: 'lightgbm', modelFile: join(dir, 'three.txt'), dataFile: join(dir, 'reference.csv'), target: 'churned', registry, promote: true }), {
      code: 'MW_IMPORT_REFUSED',
      message: /answers 3 values per row.*every class the model knows must appear/,
    });
    assert.deepEqual(registry.list(), []);
  });
});
