/** Entry point of `npm run transcript -- FILE.yaml…` (see cli.ts). */
import { runCliAsync } from "./cli";

runCliAsync(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`transcript: error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
