#!/usr/bin/env node
/** Entry point of the `modelwatch` command (bin/modelwatch.js imports the compiled file). */
import { main } from './program.js';

await main();
