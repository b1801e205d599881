/**
 * An independent Parquet reader for the tests (hyparquet, not the parquetjs-lite that writes): run as
 *   node -r ./tools/register.js test/integration/parquet_reader.ts <file.parquet>...
 * it prints one JSON object per file: the schema elements (types, converted/logical types, repetition), the footer's
 * key-value metadata and the rows (timestamps as epoch ms, decimals as the nearest number, INT64 as numbers when
 * exact, else strings).
 * hyparquet is an ES module, which Jest's CommonJS runtime cannot load; a child process can.
 */
async function main(): Promise<void> {
  const hyparquet = await import("hyparquet");
  for (const file of process.argv.slice(2)) {
    const buffer = await hyparquet.asyncBufferFromFile(file);
    const metadata = await hyparquet.parquetMetadataAsync(buffer);
    const rows = await hyparquet.parquetReadObjects({ file: buffer, metadata });
    const schema = metadata.schema.map((e) => ({
      name: e.name,
      type: e.type,
      repetition: e.repetition_type,
      converted: e.converted_type,
      logical: e.logical_type?.type,
      scale: e.scale,
      precision: e.precision,
      utc: e.logical_type?.type === "TIMESTAMP" ? e.logical_type.isAdjustedToUTC : undefined,
      children: e.num_children,
    }));
    const kv = Object.fromEntries((metadata.key_value_metadata ?? []).map((e) => [e.key, e.value]));
    const plain = JSON.stringify(
      { file, rows: Number(metadata.num_rows), schema, metadata: kv, data: rows },
      function plainValue(this: Record<string, unknown>, key: string, value: unknown): unknown {
        const raw = this[key]; // before Date.prototype.toJSON
        if (raw instanceof Date) return raw.getTime();
        if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
        return value;
      },
    );
    process.stdout.write(plain + "\n");
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
