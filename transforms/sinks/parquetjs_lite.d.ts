/** The parts of parquetjs-lite 0.8.7 (an untyped CommonJS package) that the Parquet sink and its benchmark use. */
declare module "parquetjs-lite" {
  import type { Writable } from "stream";

  export type ParquetType = "UTF8" | "INT64" | "INT32" | "DOUBLE" | "BOOLEAN" | "TIMESTAMP_MILLIS";
  export type ParquetCompression = "UNCOMPRESSED" | "SNAPPY" | "GZIP";

  export interface ParquetFieldDefinition {
    readonly type?: ParquetType;
    readonly optional?: boolean;
    readonly repeated?: boolean;
    readonly compression?: ParquetCompression;
    readonly fields?: Readonly<Record<string, ParquetFieldDefinition>>;
  }

  export class ParquetSchema {
    constructor(fields: Readonly<Record<string, ParquetFieldDefinition>>);
  }

  export interface ParquetWriterOptions {
    readonly rowGroupSize?: number;
    readonly pageSize?: number;
    readonly useDataPageV2?: boolean;
  }

  export class ParquetWriter {
    static openFile(schema: ParquetSchema, path: string, opts?: ParquetWriterOptions): Promise<ParquetWriter>;
    static openStream(schema: ParquetSchema, stream: Writable, opts?: ParquetWriterOptions): Promise<ParquetWriter>;
    appendRow(row: object): Promise<void>;
    setMetadata(key: string, value: string): void;
    close(): Promise<void>;
  }
}

/** parquetjs-lite's Thrift classes of the Parquet footer (the part withLogicalTypes() rewrites). */
declare module "parquetjs-lite/gen-nodejs/parquet_types" {
  export const ConvertedType: { readonly UTF8: number; readonly DECIMAL: number; readonly TIMESTAMP_MILLIS: number };

  export class StringType {}
  export class MilliSeconds {}
  export class TimeUnit {
    constructor(args: { MILLIS: MilliSeconds });
  }
  export class TimestampType {
    constructor(args: { isAdjustedToUTC: boolean; unit: TimeUnit });
  }
  export class DecimalType {
    constructor(args: { scale: number; precision: number });
  }
  export class LogicalType {
    constructor(args: { STRING?: StringType; TIMESTAMP?: TimestampType; DECIMAL?: DecimalType });
  }

  export class SchemaElement {
    name: string;
    num_children: number | null;
    converted_type: number | null;
    scale: number | null;
    precision: number | null;
    logicalType: LogicalType | null;
  }

  /** Only `schema` is read or changed; the other fields are decoded and written back as they were. */
  export class FileMetaData {
    schema: SchemaElement[];
  }
}

declare module "parquetjs-lite/lib/util" {
  import type { FileMetaData } from "parquetjs-lite/gen-nodejs/parquet_types";

  /** Decodes a Thrift compact-protocol struct from `buffer` at `offset`; returns the bytes read. */
  export function decodeThrift(into: FileMetaData, buffer: Buffer, offset?: number): number;
  export function serializeThrift(value: FileMetaData): Buffer;
}
