/**
 * The command tree of `modelwatch <command>`. Results go to stdout, logs and progress to stderr.
 * Exit codes (README, "Exit codes"): 0 success; 1 failure; 2 a usage error or a bad setting, with a
 * message naming the problem; 3 `pipeline run` registered a version the promotion gate rejected;
 * 4 `serve` has no model to serve. A command given --json that fails — a usage error included —
 * also prints one JSON object `{"error": {"code", "message", "exit_code"}}` on stdout, so a script
 * reading stdout sees why.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError, MappingFileError, NoModelToServeError, ProfileInvalidError, SchemaFileError, SchemaInferenceError, VocabularyFileError } from '../errors.js';
import { packageVersion } from '../util/package-version.js';
import { registerDataCommands } from './data.js';
import { registerDrillCommand } from './drill.js';
import { registerGatewayCommand } from './gateway.js';
import { registerImportCommand } from './import.js';
import { registerLoadgenCommand } from './loadgen.js';
import { registerModelCommands } from './model.js';
import { registerPipelineCommands } from './pipeline.js';
import { registerProfileCommand } from './profile.js';
import { registerSchemaCommands } from './schema.js';
import { registerServeCommand } from './serve.js';
import { registerSetupCommand } from './setup.js';
import { registerTrainCommand } from './train.js';

/** The command being run (set before its action), or undefined before one is chosen. */
let running: Command | undefined;

/**
 * Builds the command tree.
 *
 * @example await buildProgram().parseAsync(['node', 'modelwatch', 'train', '--help']);
 */
export function buildProgram(): Command {
  const program = new Command('modelwatch')
    .description('An observable ML prediction service for the UCI bank-marketing classifier.')
    .version(packageVersion(), '-V, --version', 'print the version of modelwatch')
    .exitOverride();
  // The command that runs, so a failure can be reported as JSON when it was given --json.
  program.hook('preAction', (_program, actionCommand) => {
    running = actionCommand;
  });
  registerServeCommand(program);
  registerTrainCommand(program);
  registerImportCommand(program);
  registerGatewayCommand(program);
  registerProfileCommand(program);
  registerDataCommands(program);
  registerLoadgenCommand(program);
  registerPipelineCommands(program);
  registerModelCommands(program);
  registerSchemaCommands(program);
  registerSetupCommand(program);
  registerDrillCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI with `argv` and sets the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  running = undefined;
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    const exitCode = exitCodeOf(error);
    process.exitCode = exitCode;
    // Set by the preAction hook while parsing (control-flow analysis cannot see that). A usage
    // error stops parsing before any action is chosen: then --json on the command line decides.
    const command = running as Command | undefined;
    const json = command ? command.opts<{ json?: boolean }>().json === true : argv.slice(2).includes('--json');
    if (exitCode !== 0 && json) {
      process.stdout.write(`${JSON.stringify({ error: { code: codeOf(error), message: messageOf(error), exit_code: exitCode } })}\n`);
    }
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).replace(/^error: /, '');

/** System error codes a user can act on, as the CLI's own codes. */
const SYSTEM_CODES: Readonly<Record<string, string>> = {
  ENOENT: 'MW_FILE_NOT_FOUND',
  EACCES: 'MW_PERMISSION_DENIED',
  EPERM: 'MW_PERMISSION_DENIED',
  ENOSPC: 'MW_DISK_FULL',
  ECONNREFUSED: 'MW_UNREACHABLE',
};

/**
 * The error's stable code for `--json`, always `MW_…` so scripts match one family: modelwatch's
 * coded errors keep theirs; commander's usage errors are MW_USAGE; a command's own
 * `modelwatch.someFailure` is MW_SOME_FAILURE; a few system errors are named; anything else MW_FAILED.
 */
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'MW_FAILED';
  if (code.startsWith('MW_')) return code;
  if (code.startsWith('commander.')) return 'MW_USAGE';
  if (code.startsWith('modelwatch.')) return `MW_${code.slice('modelwatch.'.length).replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;
  return SYSTEM_CODES[code] ?? 'MW_FAILED';
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message. Help asked for (--help) and --version are successes;
    // help shown because no subcommand was given (`modelwatch model`) is a usage error, so a
    // mistyped script line does not pass for success.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
    if (error.code === 'commander.help') return 2;
    // Its own codes are usage errors (exit 2, with a pointer to --help); a command's error() keeps
    // the exit code it chose, e.g. 1 for a download that failed.
    if (error.code.startsWith('commander.')) {
      process.stderr.write('(run with --help for usage)\n');
      return 2;
    }
    return error.exitCode;
  }
  // A bad setting, or a file a flag names (--schema, a reference profile, a mapping, a vocabulary) at fault, is a usage error like a bad flag.
  if (error instanceof ConfigError || error instanceof SchemaFileError || error instanceof ProfileInvalidError || error instanceof MappingFileError || error instanceof VocabularyFileError) {
    process.stderr.write(`modelwatch: ${error.message}\n`);
    return 2;
  }
  // Inference refused: a flag at fault (a target that is not a column) is misuse, bad data a failure.
  if (error instanceof SchemaInferenceError) {
    process.stderr.write(`modelwatch: ${error.message}\n`);
    return error.usage ? 2 : 1;
  }
  if (error instanceof NoModelToServeError) {
    process.stderr.write(`modelwatch: ${error.message}\n`);
    return NoModelToServeError.EXIT_CODE;
  }
  process.stderr.write(`modelwatch: ${messageOf(error)}\n`);
  if (process.env.MODELWATCH_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}

