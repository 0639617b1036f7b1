/**
 * Tests that need an outside program (Debian's prometheus, promtool, prometheus-alertmanager,
 * prometheus-pushgateway, python3, docker-compose, chromium) or the built dist/ skip on a
 * developer's machine without it, saying how to get it. In CI a skip would pass silently with the
 * test never run, so there MODELWATCH_REQUIRE_TOOLS=1 (set by .ci/run) turns the skip into a failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The environment variable that makes a missing tool a failure instead of a skip. */
export const REQUIRE_TOOLS_ENV = 'MODELWATCH_REQUIRE_TOOLS';

/**
 * `false` when nothing is missing (`reason` undefined or empty), else `reason` for node:test's
 * `skip` option; throws instead when MODELWATCH_REQUIRE_TOOLS=1, so CI cannot skip.
 *
 * @example describe('promtool', { skip: skipUnlessTool(commandMissing('promtool')) }, () => { ... });
 */
export function skipUnlessTool(reason: string | false | undefined, env: NodeJS.ProcessEnv = process.env): false | string {
  if (!reason) return false;
  if (env[REQUIRE_TOOLS_ENV] === '1') throw new Error(`${reason} (${REQUIRE_TOOLS_ENV}=1: a missing tool fails instead of skipping)`);
  return reason;
}

/**
 * Why `command` cannot run (it is not on PATH), or `undefined` when `command --version` starts.
 * `install` says how to get it.
 *
 * @example commandMissing('promtool', 'apt-get install prometheus') // undefined where installed
 */
export function commandMissing(command: string, install: string, versionArgs: readonly string[] = ['--version']): string | undefined {
  return spawnSync(command, [...versionArgs], { stdio: 'ignore', timeout: 30_000 }).error ? `${command} not found: ${install} (.ci/run installs it)` : undefined;
}

/**
 * Why a file the test needs is absent, or `undefined` when `path` exists.
 *
 * @example fileMissing('/usr/bin/chromium', "needs Debian's chromium (apt-get install chromium)")
 */
export function fileMissing(path: string, reason: string): string | undefined {
  return existsSync(path) ? undefined : reason;
}
