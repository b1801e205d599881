/**
 * The sink's columns and their Parquet logical types, as DuckDB, pyarrow and Spark read them:
 *
 *   text    BYTE_ARRAY, STRING (UTF8)                        DuckDB VARCHAR, pyarrow string, Spark string
 *   instant INT64, TIMESTAMP(isAdjustedToUTC, MILLIS)        DuckDB TIMESTAMPTZ, pyarrow timestamp[ms, tz=UTC],
 *                                                            Spark timestamp (an instant)
 *   money   INT64, DECIMAL(18,2): integer cents, unscaled    DuckDB DECIMAL(18,2), pyarrow decimal128(18, 2),
 *                                                            Spark decimal(18,2)
 *   count   INT64                                            DuckDB BIGINT, pyarrow int64, Spark bigint
 *
 * parquetjs-lite writes the data pages and a footer with legacy converted types only (no DECIMAL, no LogicalType,
 * so DuckDB reads its TIMESTAMP_MILLIS as a local TIMESTAMP). withLogicalTypes() rewrites the footer's schema
 * elements with both annotations (the LogicalType and its converted-type equivalent, for older readers); the data
 * pages, and the offsets the footer holds into them, stay as written. Pure (no IO).
 */
import { ParquetSchema, type ParquetFieldDefinition } from "parquetjs-lite";
import * as thrift from "parquetjs-lite/gen-nodejs/parquet_types";
import { decodeThrift, serializeThrift } from "parquetjs-lite/lib/util";

export type ColumnKind = "text" | "instant" | "money" | "count";

/** A repeated group of columns (a list of records, e.g. the windows a late record missed). */
export interface RepeatedColumns {
  readonly repeated: Readonly<Record<string, ColumnKind>>;
}

/** A file's columns in order: name → kind. */
export type Columns = Readonly<Record<string, ColumnKind | RepeatedColumns>>;

/** Money is DECIMAL(18,2): 18 digits hold every whole number of cents a JavaScript number has exactly (< 2^53). */
export const MONEY_PRECISION = 18;
export const MONEY_SCALE = 2;

const MAGIC = "PAR1";

/** The parquetjs-lite type that writes each kind's values (the footer rewrite adds the logical type). */
function field(kind: ColumnKind): ParquetFieldDefinition {
  const type = kind === "text" ? "UTF8" : kind === "instant" ? "TIMESTAMP_MILLIS" : "INT64";
  return { type, compression: "SNAPPY" };
}

/** The parquetjs-lite schema that writes `columns` (every column Snappy-compressed). */
export function parquetSchema(columns: Columns): ParquetSchema {
  const fields: Record<string, ParquetFieldDefinition> = {};
  for (const [name, kind] of Object.entries(columns)) {
    if (typeof kind === "string") {
      fields[name] = field(kind);
      continue;
    }
    const children: Record<string, ParquetFieldDefinition> = {};
    for (const [child, childKind] of Object.entries(kind.repeated)) children[child] = field(childKind);
    fields[name] = { repeated: true, fields: children };
  }
  return new ParquetSchema(fields);
}

/** Each leaf column's kind by its dotted path (`missed_windows.start`), in schema order. */
function leafKinds(columns: Columns): Map<string, ColumnKind> {
  const kinds = new Map<string, ColumnKind>();
  for (const [name, kind] of Object.entries(columns)) {
    if (typeof kind === "string") kinds.set(name, kind);
    else for (const [child, childKind] of Object.entries(kind.repeated)) kinds.set(`${name}.${child}`, childKind);
  }
  return kinds;
}

function annotate(element: thrift.SchemaElement, kind: ColumnKind): void {
  switch (kind) {
    case "text":
      element.converted_type = thrift.ConvertedType.UTF8;
      element.logicalType = new thrift.LogicalType({ STRING: new thrift.StringType() });
      return;
    case "instant":
      element.converted_type = thrift.ConvertedType.TIMESTAMP_MILLIS;
      element.logicalType = new thrift.LogicalType({
        TIMESTAMP: new thrift.TimestampType({ isAdjustedToUTC: true, unit: new thrift.TimeUnit({ MILLIS: new thrift.MilliSeconds() }) }),
      });
      return;
    case "money":
      element.converted_type = thrift.ConvertedType.DECIMAL;
      element.scale = MONEY_SCALE;
      element.precision = MONEY_PRECISION;
      element.logicalType = new thrift.LogicalType({ DECIMAL: new thrift.DecimalType({ scale: MONEY_SCALE, precision: MONEY_PRECISION }) });
      return;
    case "count":
      return;
  }
}

/**
 * The same Parquet file with the logical types of `columns` in its footer. Fails (a bug, not bad data) when the
 * file's schema does not have exactly these columns.
 */
export function withLogicalTypes(file: Buffer, columns: Columns): Buffer {
  if (file.length < 12 || file.toString("latin1", file.length - 4) !== MAGIC) {
    throw new Error("Parquet sink: the writer's output is not a Parquet file (no PAR1 footer)");
  }
  const footerLength = file.readUInt32LE(file.length - 8);
  const footerStart = file.length - 8 - footerLength;
  const metadata = new thrift.FileMetaData();
  decodeThrift(metadata, file, footerStart);

  const kinds = leafKinds(columns);
  const parents: Array<{ name: string; left: number }> = [];
  let annotated = 0;
  for (const element of metadata.schema.slice(1)) {
    const dotted = [...parents.map((p) => p.name), element.name].join(".");
    const children = element.num_children ?? 0;
    if (children > 0) {
      parents.push({ name: element.name, left: children });
      continue;
    }
    const kind = kinds.get(dotted);
    if (kind === undefined) throw new Error(`Parquet sink: the writer wrote a column ${dotted} that the sink does not define`);
    annotate(element, kind);
    annotated += 1;
    // Close the groups whose last child this was.
    for (let last = parents[parents.length - 1]; last !== undefined && --last.left === 0; last = parents[parents.length - 1]) parents.pop();
  }
  if (annotated !== kinds.size) throw new Error(`Parquet sink: the writer wrote ${annotated} of the sink's ${kinds.size} columns`);

  const footer = serializeThrift(metadata);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(footer.length, 0);
  tail.write(MAGIC, 4, "latin1");
  return Buffer.concat([file.subarray(0, footerStart), footer, tail]);
}
