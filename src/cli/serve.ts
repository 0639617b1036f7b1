/** `modelwatch serve`: the prediction service. */
import { Command } from 'commander';
import { describeSettings, loadConfig } from '../config.js';
import { runService } from '../server/serve.js';

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
    .description('Serve the current model over HTTP: POST /predict, /predict/batch; GET /health, /ready, /status, /metrics. Trains a first model when the registry is empty.')
    .option('--port <port>', 'TCP port (env PORT)')
    .option('--host <host>', 'interface to bind (env HOST)')
    .option('--model-dir <dir>', 'model registry directory (env MODEL_DIR)')
    .option('--train-data <csv>', 'CSV for the first model when the registry is empty (env TRAIN_DATA)')
    .option('--log-file <file>', 'also append the audit log to this file (env LOG_FILE)')
    .addHelpText('after', `\nEvery setting, as an environment variable:\n${settings}\n`)
    .action(async (opts: { port?: string; host?: string; modelDir?: string; trainData?: string; logFile?: string }) => {
      const config = loadConfig(process.env, { PORT: opts.port, HOST: opts.host, MODEL_DIR: opts.modelDir, TRAIN_DATA: opts.trainData, LOG_FILE: opts.logFile });
      await runService(config);
    });
}
