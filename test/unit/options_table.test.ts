/**
 * The options table of docs/operations.md against the yargs definition (pipelines/options.ts): every option is
 * documented, nothing else is, defaults are the defined ones and every choice is named.
 */
import * as fs from "fs";
import * as path from "path";
import { optionDefinitions } from "../../pipelines/options";
import { optionsTable } from "../../tools/options_table";

const DOCS = ["README.md", "docs/operations.md"].map((f) => path.resolve(__dirname, "../..", f));
const HEADER = "| Option | Default | Meaning |";

/** Rows of a table whose header is `| Option | Default | Meaning |`: option name → [default cell, whole row]. */
function documentedOptions(file: string): Map<string, { defaultCell: string; row: string }> {
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const start = lines.findIndex((l) => l.startsWith(HEADER));
  const rows = new Map<string, { defaultCell: string; row: string }>();
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith("|")) break;
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim());
    const name = /^`--([a-z-]+)`$/.exec(cells[1])?.[1];
    if (!name) throw new Error(`options table row without an option: ${line}`);
    rows.set(name, { defaultCell: cells[2], row: line });
  }
  return rows;
}

describe("documented options", () => {
  test("docs/operations.md (and any other options table, e.g. in README.md) lists exactly the options yargs defines, with their defaults and choices", () => {
    const tables = DOCS.filter((file) => fs.readFileSync(file, "utf8").includes(HEADER));
    expect(tables).toContain(DOCS[1]);
    for (const file of tables) checkTable(file);
  });

  function checkTable(file: string): void {
    const documented = documentedOptions(file);
    const defined = optionDefinitions();
    expect([...documented.keys()].sort()).toEqual(defined.map((o) => o.name).sort());
    for (const o of defined) {
      const doc = documented.get(o.name);
      if (o.default !== undefined) expect([o.name, doc?.defaultCell.startsWith(`\`${o.default}\``)]).toEqual([o.name, true]);
      for (const choice of o.choices ?? []) expect([o.name, choice, doc?.row.includes(`\`${choice}\``)]).toEqual([o.name, choice, true]);
    }
  }

  test("npm run docs:options generates a row per option from the definition", () => {
    const table = optionsTable().split("\n");
    expect(table[0]).toBe("| Option | Default | Meaning |");
    expect(table).toContain("| `--log-level` | `info` | least level of the logs on stderr (`fatal`, `error`, `warn`, `info`, `debug`, `trace`, `silent`) |");
    expect(table).toHaveLength(2 + optionDefinitions().length);
  });
});
