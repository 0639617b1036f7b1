/**
 * The Airflow DAG generated from the pipeline's steps (deploy/airflow/modelwatch_pipeline.py),
 * tested with Debian's Python: Airflow itself cannot be installed here, so a stub `airflow` package
 * (written to a temp dir and put first on sys.path) records the DAG, every operator's arguments and
 * every `>>` dependency while the real DAG file is imported. The task graph, each task's command
 * (parsed with the real CLI's options), retries, failure callback and log file are checked; then the
 * generated commands are run in order, as Airflow's BashOperator runs them (`bash -c`), with the real
 * CLI on synthetic data from `modelwatch data generate`, against a real Pushgateway.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from '../bench/children.js';
import { buildProgram } from '../src/cli/program.js';
import { PIPELINE_JOB } from '../src/pipeline/metrics.js';
import { PROMOTION_REJECTED_EXIT_CODE } from '../src/pipeline/promotion.js';
import { STEP_NAMES } from '../src/pipeline/steps.js';
import { AIRFLOW_VARIABLES, DAG_ID, generateAirflow, TASK_RETRIES } from '../src/stack/airflow/generate.js';
import { LOG_FIELDS } from '../src/stack/catalogue/log-fields.js';
import { LOG_PATH } from '../src/stack/filebeat/generate.js';
import { tempDir } from './helpers/fixtures.js';
import { skipUnlessTool } from './helpers/tools.js';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const dagFile = root('deploy/airflow/modelwatch_pipeline.py');
/** Debian's Python, never one that PATH may put first. */
const PYTHON = '/usr/bin/python3';
const pythonMissing = spawnSync(PYTHON, ['--version']).error ? `${PYTHON} not found: apt-get install python3` : undefined;

/** The stub: just enough of Airflow's API for the DAG file to import, recording what it is given. */
const STUB: Record<string, string> = {
  'airflow/__init__.py': String.raw`
import datetime as _dt
RECORD = {"dags": [], "tasks": {}, "edges": [], "variables": []}
OPERATORS = {}
ACTIVE = []

def plain(value):
    if isinstance(value, _dt.timedelta):
        return {"timedelta_seconds": value.total_seconds()}
    if isinstance(value, _dt.datetime):
        return {"datetime": value.isoformat()}
    if callable(value):
        return {"callable": value.__name__}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value

class DAG:
    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        RECORD["dags"].append({"dag_id": dag_id, **plain(kwargs)})
    def __enter__(self):
        ACTIVE.append(self)
        return self
    def __exit__(self, *exc):
        ACTIVE.pop()
        return False
`,
  'airflow/models.py': String.raw`
import json, os
import airflow

class Variable:
    @staticmethod
    def get(key, default_var=None):
        airflow.RECORD["variables"].append(key)
        return json.loads(os.environ.get("STUB_AIRFLOW_VARIABLES", "{}")).get(key, default_var)
`,
  'airflow/operators/__init__.py': '',
  'airflow/operators/bash.py': String.raw`
import airflow

class BashOperator:
    def __init__(self, task_id, **kwargs):
        assert airflow.ACTIVE, "an operator outside a DAG"
        assert task_id not in airflow.OPERATORS, "two tasks named " + task_id
        self.task_id = task_id
        self.kwargs = kwargs
        airflow.OPERATORS[task_id] = self
        airflow.RECORD["tasks"][task_id] = {"dag_id": airflow.ACTIVE[-1].dag_id, **airflow.plain(kwargs)}
    def __rshift__(self, other):
        for task in other if isinstance(other, list) else [other]:
            airflow.RECORD["edges"].append([self.task_id, task.task_id])
        return other
    def __rrshift__(self, other):
        for task in other:
            airflow.RECORD["edges"].append([task.task_id, self.task_id])
        return self
`,
};

/** Imports the DAG file under the stub; `callback` then calls each task's failure callback as Airflow would. */
const HARNESS = String.raw`
import importlib.util, json, sys
sys.dont_write_bytecode = True  # no __pycache__ beside the committed DAG file
stub, dag_file, mode = sys.argv[1:4]
sys.path.insert(0, stub)
import airflow
spec = importlib.util.spec_from_file_location("modelwatch_pipeline", dag_file)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
if mode == "callback":
    class TaskInstance:
        def __init__(self, task_id):
            self.task_id, self.dag_id, self.try_number = task_id, "modelwatch_pipeline", 3
    task = sys.argv[4]
    airflow.OPERATORS[task].kwargs["on_failure_callback"]({"task_instance": TaskInstance(task), "run_id": "manual__test", "exception": RuntimeError("exit code 1")})
print(json.dumps(airflow.RECORD))
`;

type Value = string | number | boolean | null | { callable: string } | { timedelta_seconds: number } | Record<string, unknown>;
interface Record_ {
  dags: ({ dag_id: string } & Record<string, Value>)[];
  tasks: Record<string, { dag_id: string; bash_command: string; env: Record<string, string>; append_env: boolean; retries: number; retry_delay: { timedelta_seconds: number }; on_failure_callback: { callable: string }; skip_on_exit_code: number }>;
  edges: [string, string][];
  variables: string[];
}

let stubDir = '';
function importDag(mode: 'graph' | 'callback', extra: string[] = [], env: Record<string, string> = {}): Record_ {
  const result = spawnSync(PYTHON, ['-c', HARNESS, stubDir, dagFile, mode, ...extra], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', ...env } });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Record_;
}

/** Renders the templates the DAG uses: Variables (their default unless given) and `run_id`. */
function render(template: string, runId: string, variables: Partial<Record<keyof typeof AIRFLOW_VARIABLES, string>> = {}): string {
  const text = template
    .replace(/\{\{\s*var\.value\.get\('([a-z_]+)',\s*'([^']*)'\)\s*\}\}/g, (_all, name: keyof typeof AIRFLOW_VARIABLES, fallback: string) => variables[name] ?? fallback)
    .replace(/\{\{\s*run_id\s*\}\}/g, runId);
  assert.doesNotMatch(text, /\{\{|\{%/, `every template of ${template} is known`);
  return text;
}

/**
 * The words bash makes of a rendered command, with the task's environment: `modelwatch` replaced
 * by a function that prints its arguments, so quoting and expansion are bash's own.
 */
function bashWords(command: string, env: Record<string, string>): string[] {
  const result = spawnSync('bash', ['-c', `modelwatch() { printf '%s\\0' modelwatch "$@"; }; ${command}`], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', ...env } });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.split('\0').slice(0, -1);
}

/** `pipeline run`'s options as the real CLI parses them; nothing unknown, nothing left over. */
function parseRun(words: readonly string[]): Record<string, unknown> {
  assert.deepEqual(words.slice(0, 3), ['modelwatch', 'pipeline', 'run']);
  const run = buildProgram().commands.find((c) => c.name() === 'pipeline')!.commands.find((c) => c.name() === 'run')!;
  const { operands, unknown } = run.parseOptions(words.slice(3));
  assert.deepEqual(unknown, [], `flags \`pipeline run\` does not accept: ${unknown.join(' ')}`);
  assert.deepEqual(operands, []);
  for (const option of run.options) if (option.mandatory) assert.notEqual(run.getOptionValue(option.attributeName()), undefined, `${option.long} is required`);
  return run.opts();
}

/** Whether a file path matches one of Filebeat's glob paths (`*` within one directory level). */
const matchesGlob = (file: string, glob: string) => posix.dirname(file) === posix.dirname(glob) && new RegExp(`^${posix.basename(glob).replace(/[.]/g, '\\.').replace(/\*/g, '[^/]*')}$`).test(posix.basename(file));

describe('deploy/airflow/modelwatch_pipeline.py', { skip: skipUnlessTool(pythonMissing) }, () => {
  let graph: Record_;
  before(() => {
    stubDir = tempDir('modelwatch-airflow-stub-');
    for (const [path, text] of Object.entries(STUB)) {
      mkdirSync(join(stubDir, posix.dirname(path)), { recursive: true });
      writeFileSync(join(stubDir, path), text);
    }
    graph = importDag('graph');
  });

  test('is generated from src/stack/airflow/ (run `npm run stack`)', () => {
    assert.equal(readFileSync(dagFile, 'utf8'), generateAirflow()['modelwatch_pipeline.py']);
  });

  test('imports under Airflow (stubbed): one DAG, daily, one run at a time, no catch-up', () => {
    assert.equal(graph.dags.length, 1);
    const [dag] = graph.dags;
    assert.equal(dag.dag_id, DAG_ID);
    assert.equal(dag.schedule, '@daily');
    assert.equal(dag.catchup, false);
    assert.equal(dag.max_active_runs, 1);
    assert.ok(Object.values(graph.tasks).every((task) => task.dag_id === DAG_ID), 'every task is created inside the DAG');
  });

  test('has one task per pipeline step, chained ingest → validate → split → train → evaluate → register → promote', () => {
    assert.deepEqual(Object.keys(graph.tasks), [...STEP_NAMES]);
    assert.deepEqual(STEP_NAMES, ['ingest', 'validate', 'split', 'train', 'evaluate', 'register', 'promote']);
    const chain = STEP_NAMES.slice(1).map((step, i) => [STEP_NAMES[i], step]);
    assert.deepEqual([...graph.edges].sort(), chain.sort());
  });

  test('every task retries, has a failure callback, and runs its own step of the DAG run with the real CLI', () => {
    for (const [step, task] of Object.entries(graph.tasks)) {
      assert.equal(task.retries, TASK_RETRIES, step);
      assert.ok(task.retries >= 1, `${step} retries`);
      assert.ok(task.retry_delay.timedelta_seconds > 0, step);
      assert.deepEqual(task.on_failure_callback, { callable: 'log_task_failure' }, step);
      // A version the gate rejects is a skipped promotion: not a failure, and never retried.
      assert.equal(task.skip_on_exit_code, PROMOTION_REJECTED_EXIT_CODE, step);
      assert.equal(task.append_env, true, `${step} keeps the worker's PATH`);
      // A manual run's id is whatever was typed: spaces, quotes and a command substitution must
      // stay one argument and never run.
      const runId = `manual__2026-12-07 20:00 "it's" $(echo pwned) \`id\` ;x`;
      const env = Object.fromEntries(Object.entries(task.env).map(([name, value]) => [name, render(value, runId)]));
      const flags = parseRun(bashWords(render(task.bash_command, runId), env));
      assert.equal(flags.only, step);
      assert.equal(flags.json, true);
      assert.equal(flags.runDir, `${AIRFLOW_VARIABLES.modelwatch_run_root}/${runId}`, 'one run directory per DAG run, its id verbatim');
      assert.doesNotMatch(task.bash_command, /run_id/, `${step}: the run id is not pasted into the command`);
      assert.equal(flags.logFile, AIRFLOW_VARIABLES.modelwatch_log_file);
      assert.deepEqual(Object.keys(task.env).sort(), ['MODELWATCH_RUN_ID', 'MODEL_DIR', 'PIPELINE_INSTANCE', 'PUSHGATEWAY_URL']);
      // Pushed under the DAG, not under whichever worker ran the step: one group, replaced by each run.
      assert.equal(task.env.PIPELINE_INSTANCE, DAG_ID, step);
    }
    // The parser is not lenient: a step the CLI does not know is refused.
    const run = buildProgram().commands.find((c) => c.name() === 'pipeline')!.commands.find((c) => c.name() === 'run')!.exitOverride();
    run.configureOutput({ writeErr: () => {} });
    assert.throws(() => run.parseOptions(['--only', 'deploy']), /Allowed choices are ingest, validate/);
  });

  test('the steps log to a file Filebeat reads', () => {
    assert.ok(matchesGlob(AIRFLOW_VARIABLES.modelwatch_log_file, LOG_PATH), `${AIRFLOW_VARIABLES.modelwatch_log_file} is not matched by Filebeat's ${LOG_PATH}`);
  });

  describe('the generated commands, run in order with the real CLI', () => {
    const dir = tempDir('modelwatch-airflow-run-');
    let gateway: ChildProcess | undefined;
    let gatewayUrl = '';
    const bin = join(dir, 'bin');
    const variables = {
      modelwatch_data: join(dir, 'data', 'train.csv'),
      modelwatch_run_root: join(dir, 'runs'),
      modelwatch_log_file: join(dir, 'logs', 'pipeline.ndjson'),
      modelwatch_model_dir: join(dir, 'models'),
      modelwatch_pushgateway_url: '',
    };
    /** Runs a command as BashOperator does: `bash -c`, the task's env on top of the worker's. */
    const bash = (command: string, env: Record<string, string> = {}) =>
      spawnSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}`, HOME: dir, ...env } });

    before(async () => {
      assert.ok(!spawnSync('prometheus-pushgateway', ['--version']).error, 'prometheus-pushgateway not found: apt-get install prometheus-pushgateway (.ci/run installs it)');
      // `modelwatch` on the worker's PATH: the CLI from this checkout.
      mkdirSync(bin);
      writeFileSync(join(bin, 'modelwatch'), `#!/bin/sh\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${root('src/cli/main.ts')}" "$@"\n`);
      chmodSync(join(bin, 'modelwatch'), 0o755);
      mkdirSync(join(dir, 'logs'));
      const port = await freePort();
      gatewayUrl = `http://127.0.0.1:${port}`;
      variables.modelwatch_pushgateway_url = gatewayUrl;
      gateway = spawn('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !(await fetch(`${gatewayUrl}/-/ready`).catch(() => undefined))?.ok; i++) await sleep(100);
    });
    after(() => gateway?.kill('SIGTERM'));

    test('train, register and promote a model, every step logging to the file, one push at the end', () => {
      const generate = bash(`modelwatch data generate --out ${variables.modelwatch_data} --rows 3000 --seed 11`);
      assert.equal(generate.status, 0, generate.stderr);
      const runId = 'manual__2026-12-07T20:00:00+00:00 (re-run)';
      const reports: { status: string; steps: { name: string; status: string }[]; version?: string; current?: string; run_id: string }[] = [];
      for (const step of STEP_NAMES) {
        const task = graph.tasks[step];
        const env = Object.fromEntries(Object.entries(task.env).map(([name, value]) => [name, render(value, runId, variables)]));
        assert.deepEqual(env, { MODEL_DIR: variables.modelwatch_model_dir, PUSHGATEWAY_URL: gatewayUrl, PIPELINE_INSTANCE: DAG_ID, MODELWATCH_RUN_ID: runId });
        const result = bash(render(task.bash_command, runId, variables), env);
        assert.equal(result.status, 0, `${step}: ${result.stderr}`);
        // The last stdout line is the task's XCom: the run's JSON report so far.
        reports.push(JSON.parse(result.stdout.trim().split('\n').at(-1)!));
        assert.deepEqual(reports.at(-1)!.steps.map((s) => [s.name, s.status]), STEP_NAMES.slice(0, STEP_NAMES.indexOf(step) + 1).map((s) => [s, 'succeeded']));
      }
      assert.equal(new Set(reports.map((r) => r.run_id)).size, 1, 'the tasks are steps of one pipeline run');
      assert.equal(reports.at(-1)!.status, 'success');
      assert.equal(reports.at(-1)!.version, 'v1');
      assert.equal(reports.at(-1)!.current, 'v1');

      const lines = readFileSync(variables.modelwatch_log_file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const ends = lines.filter((l) => l['event.action'] === 'pipeline_step_end');
      assert.deepEqual(ends.map((l) => [l['pipeline.step'], l['event.outcome']]), STEP_NAMES.map((s) => [s, 'success']));
      assert.ok(lines.every((l) => l['pipeline.run_id'] === reports[0].run_id && l['event.dataset'] === 'ml-pipeline.pipeline'));
      assert.deepEqual(lines.filter((l) => l['event.action'] === 'pipeline_run_end').map((l) => l['event.outcome']), ['success']);
      assert.deepEqual(lines.filter((l) => l['event.action'] === 'pipeline_push').length, 1, 'metrics pushed once, when the run ended');
    });

    test('the pushed run is a success on the Pushgateway', async () => {
      const body = (await (await fetch(`${gatewayUrl}/api/v1/metrics`)).json()) as { data: { labels: Record<string, string>; pipeline_run_status?: { metrics: { value: string }[] } }[] };
      // Under the DAG's name, not the worker's host name: the next DAG run replaces this group.
      const group = body.data.find((g) => g.labels.job === PIPELINE_JOB && g.labels.instance === DAG_ID);
      assert.equal(group?.pipeline_run_status?.metrics[0].value, '1', JSON.stringify(body.data.map((g) => g.labels)));
    });

    test('a task run before its upstream step exits 2 and changes nothing', () => {
      const result = bash(render(graph.tasks.train.bash_command, 'manual__never-ingested', variables), { MODEL_DIR: variables.modelwatch_model_dir, MODELWATCH_RUN_ID: 'manual__never-ingested' });
      assert.equal(result.status, 2, result.stdout + result.stderr);
      assert.match(result.stderr, /holds no run: run its first step \(ingest\)/);
    });

    test('the failure callback appends one ECS line, in fields the index template maps, to the same log', () => {
      const before = readFileSync(variables.modelwatch_log_file, 'utf8').trim().split('\n').length;
      const record = importDag('callback', ['train'], { STUB_AIRFLOW_VARIABLES: JSON.stringify(variables) });
      assert.deepEqual(record.variables, ['modelwatch_log_file'], 'the callback finds the log file through the same Variable as the commands');
      const lines = readFileSync(variables.modelwatch_log_file, 'utf8').trim().split('\n');
      assert.equal(lines.length, before + 1);
      const line = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
      assert.equal(line['event.action'], 'pipeline_task_failure');
      assert.equal(line['pipeline.step'], 'train');
      assert.equal(line['event.dataset'], 'ml-pipeline.pipeline');
      assert.equal(line.level, 'ERROR');
      assert.match(String(line.message), /train .* failed after 3 tries: exit code 1/);
      assert.ok(!Number.isNaN(Date.parse(String(line['@timestamp']))));
      const mapped = new Set(LOG_FIELDS.map((f) => f.path));
      for (const key of Object.keys(line).filter((k) => k !== 'labels')) assert.ok(mapped.has(key), `${key} is mapped by the index template`);
    });
  });
});
