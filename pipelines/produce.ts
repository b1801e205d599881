/**
 * The sales event producer: writes generated sales events to Kafka, keyed by user_id, with the Kafka record
 * timestamp set to the event time; optionally out-of-order, late and malformed records.
 *
 *   npm run produce -- --topic sales_events --count 10000 --rate 1000
 *   npm run produce -- --count 100000 --rate 0 --late-fraction 0.01 --malformed-fraction 0.01 --seed 7 \
 *                      --start-time 2026-01-01T00:00:00Z
 *
 * The same --seed and --start-time produce the same records (see pipelines/producer/generator.ts). On a terminal
 * a progress bar with the rate and ETA is drawn on stderr.
 */
import { saleRecords } from "./producer/generator";
import { produceToKafka } from "./producer/kafka_writer";
import { parseProduceArgs, produceHelp, wantsHelp } from "./producer/options";
import { formatSummary } from "./producer/summary";
import { terminalProgressBar } from "../ops/progress_bar";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    process.stdout.write((await produceHelp()) + "\n");
    return;
  }
  const options = parseProduceArgs(argv);
  // On a terminal: a progress bar with rate and ETA on stderr (SALES_PRODUCE_PROGRESS=0 turns it off; npm start does).
  const bar =
    process.stderr.isTTY === true && process.env.SALES_PRODUCE_PROGRESS !== "0"
      ? terminalProgressBar(process.stderr, options.generator.count)
      : undefined;
  const summary = await produceToKafka(options, saleRecords(options.generator), bar && ((sent) => bar.update(sent)));
  bar?.finish(summary.sent);
  process.stdout.write(formatSummary(summary) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`produce: error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
