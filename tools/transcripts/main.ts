/** Entry point of `npm run transcript -- FILE.yaml…` (see cli.ts). */
import { runCli } from "./cli";

process.exitCode = runCli(process.argv.slice(2));
