/**
 * The sales event producer: writes generated sales events to Kafka, keyed by user_id, with the Kafka record
 * timestamp set to the event time; optionally out-of-order, late and malformed records.
 *
 *   npm run produce -- --topic sales_events --count 10000 --rate 1000
 *   npm run produce -- --count 100000 --rate 0 --late-fraction 0.01 --malformed-fraction 0.01 --seed 7 \
 *                      --start-time 2026-01-01T00:00:00Z
 *
 * The same --seed and --start-time produce the same records (see pipelines/producer/generator.ts).
 */
import { saleRecords } from "./producer/generator";
import { produceToKafka } from "./producer/kafka_writer";
import { parseProduceArgs, produceHelp, wantsHelp } from "./producer/options";
import { formatSummary } from "./producer/summary";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (wantsHelp(argv)) {
    process.stdout.write((await produceHelp()) + "\n");
    return;
  }
  const options = parseProduceArgs(argv);
  const summary = await produceToKafka(options, saleRecords(options.generator));
  process.stdout.write(formatSummary(summary) + "\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`produce: error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
