/** The part of parquetjs-lite 0.8.7 (an untyped CommonJS package) that the Parquet sink and its benchmark use. */
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
