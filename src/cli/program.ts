/**
 * The command tree of `modelwatch <command>`. Usage errors and bad settings exit with code 2 and a
 * message naming the problem; any other failure exits with code 1.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../errors.js';
import { registerDataCommands } from './data.js';
import { registerDrillCommand } from './drill.js';
import { registerLoadgenCommand } from './loadgen.js';
import { registerModelCommands } from './model.js';
import { registerPipelineCommands } from './pipeline.js';
import { registerServeCommand } from './serve.js';
import { registerSetupCommand } from './setup.js';
import { registerTrainCommand } from './train.js';

/**
 * Builds the command tree.
 *
 * @example await buildProgram().parseAsync(['node', 'modelwatch', 'train', '--help']);
 */
export function buildProgram(): Command {
  const program = new Command('modelwatch')
    .description('An observable ML prediction service for the UCI bank-marketing classifier.')
    .exitOverride();
  registerServeCommand(program);
  registerTrainCommand(program);
  registerDataCommands(program);
  registerLoadgenCommand(program);
  registerPipelineCommands(program);
  registerModelCommands(program);
  registerSetupCommand(program);
  registerDrillCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI with `argv` and sets the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (error) {
    process.exitCode = exitCodeOf(error);
  }
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed the message; help and version are successes.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    // Its own codes are usage errors (exit 2, with a pointer to --help); a command's error() keeps
    // the exit code it chose, e.g. 1 for a download that failed.
    if (error.code.startsWith('commander.')) {
      process.stderr.write('(run with --help for usage)\n');
      return 2;
    }
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`modelwatch: ${error.message}\n`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`modelwatch: ${message}\n`);
  if (process.env.MODELWATCH_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 1;
}

