/** `modelwatch serve`: the prediction service. */
import { Command } from 'commander';
import { describeSettings, loadConfig } from '../config.js';
import { NoModelToServeError } from '../errors.js';
import { runService } from '../server/serve.js';

interface ServeFlags {
  port?: string;
  host?: string;
  modelDir?: string;
  trainData?: string;
  logFile?: string;
  bootstrap?: boolean;
}

/**
 * Adds the `serve` command; flags override the environment variables of the same setting.
 *
 * @example registerServeCommand(program); // modelwatch serve --port 8080
 */
export function registerServeCommand(program: Command): void {
  const settings = describeSettings()
    .map((s) => `  ${s.name.padEnd(28)} ${s.description}${s.default !== undefined ? ` (default ${JSON.stringify(s.default)})` : ''}`)
    .join('\n');
  program
    .command('serve')
    .description(
      'Serve the current model of the registry over HTTP: POST /predict, /predict/batch, /feedback; GET /health, /ready, /status, /metrics and the web console at /. ' +
        `With no current model it refuses to start (exit code ${NoModelToServeError.EXIT_CODE}) and says how to train or import one, unless --bootstrap asks it to train a first model.`,
    )
    .option('--port <port>', 'TCP port (env PORT)')
    .option('--host <host>', 'interface to bind (env HOST)')
    .option('--model-dir <dir>', 'model registry directory (env MODEL_DIR)')
    .option('--bootstrap', 'when the registry has no current version, train a first model and serve it (env BOOTSTRAP_MODEL=true; `npm start` passes it)')
    .option('--train-data <csv>', 'labelled CSV that --bootstrap trains on (env TRAIN_DATA; default: seeded generated data)')
    .option('--log-file <file>', 'also append the audit log to this file (env LOG_FILE)')
    .addHelpText(
      'after',
      `\nLogs go to stdout: one JSON line (Elastic Common Schema) per event, or a readable line each when stdout is a terminal (LOG_FORMAT).\n` +
        `Exit codes: 0 stopped by SIGTERM or SIGINT after draining; 1 failure; 2 a bad setting; ${NoModelToServeError.EXIT_CODE} no model to serve.\n` +
        `\nEvery setting, as an environment variable:\n${settings}\n`,
    )
    .action(async (opts: ServeFlags) => {
      const config = loadConfig(process.env, {
        PORT: opts.port,
        HOST: opts.host,
        MODEL_DIR: opts.modelDir,
        TRAIN_DATA: opts.trainData,
        LOG_FILE: opts.logFile,
        // The flag only turns bootstrapping on; without it BOOTSTRAP_MODEL decides.
        BOOTSTRAP_MODEL: opts.bootstrap ? true : undefined,
      });
      await runService(config);
    });
}
