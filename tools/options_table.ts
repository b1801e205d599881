/**
 * `npm run docs:options`: the options table of docs/operations.md, generated from the yargs definition
 * (pipelines/options.ts): option, default, meaning. test/unit/options_table.test.ts checks that the documented
 * table lists exactly these options, with these defaults and choices; paste new rows from here and extend their
 * meaning by hand.
 */
import { optionDefinitions, type OptionDefinition } from "../pipelines/options";

export function optionRow(o: OptionDefinition): string {
  const choices = o.choices ? ` (${o.choices.map((c) => `\`${c}\``).join(", ")})` : "";
  const meaning = `${o.describe}${choices}`.replace(/\|/g, "\\|");
  return `| \`--${o.name}\` | ${o.default === undefined ? "" : `\`${o.default}\``} | ${meaning} |`;
}

export function optionsTable(): string {
  return ["| Option | Default | Meaning |", "|---|---|---|", ...optionDefinitions().map(optionRow)].join("\n");
}

if (require.main === module) process.stdout.write(optionsTable() + "\n");
