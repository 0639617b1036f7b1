/**
 * Debian's Python with its packaged libraries (python3-sklearn, python3-xgboost, python3-onnx),
 * used by tests as the oracle a model imported into modelwatch must agree with. Always
 * /usr/bin/python3: a `python3` earlier on PATH (pyenv, a virtualenv) does not have Debian's packages.
 */
import { spawnSync } from 'node:child_process';

/** Debian's interpreter. */
export const PYTHON = '/usr/bin/python3';

/**
 * Why the given Python modules cannot be imported (for {@link skipUnlessTool}), or `undefined`.
 *
 * @example skipUnlessTool(pythonModulesMissing(['xgboost', 'sklearn']))
 */
export function pythonModulesMissing(modules: readonly string[]): string | undefined {
  const result = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8', timeout: 60_000 });
  if (result.error || result.status !== 0) {
    const packages = modules.map((m) => `python3-${m === 'sklearn' ? 'sklearn' : m}`).join(' ');
    return `${PYTHON} cannot import ${modules.join(', ')}: apt-get install ${packages} (.ci/run installs them)`;
  }
  return undefined;
}

/**
 * Runs a Python script (text) with arguments under Debian's Python; throws with its stderr when it fails.
 *
 * @example runPython('import sys; print(sys.argv[1])', ['hi']) // 'hi\n'
 */
export function runPython(script: string, args: readonly string[] = [], timeoutMs = 300_000): string {
  const result = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`python failed (exit ${result.status}):\n${result.stderr}`);
  return result.stdout;
}
