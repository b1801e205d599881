/**
 * Parquet test helpers: what a reader listing a folder sees, and the files read back by an independent reader
 * (hyparquet, in a child process: parquet_reader.ts).
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";

const ROOT = path.resolve(__dirname, "../..");

export interface SchemaColumn {
  readonly name: string;
  readonly type?: string;
  readonly repetition?: string;
  readonly converted?: string;
  readonly logical?: string;
  readonly scale?: number;
  readonly precision?: number;
  /** A TIMESTAMP's isAdjustedToUTC. */
  readonly utc?: boolean;
  readonly children?: number;
}

export interface ParquetFileRead {
  readonly file: string;
  readonly rows: number;
  readonly schema: SchemaColumn[];
  readonly metadata: Record<string, string>;
  readonly data: Array<Record<string, unknown>>;
}

/** Every file under `dir` (relative paths, sorted); [] when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (at: string): void => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return out.sort();
}

/** The files a reader globbing `<dir>/**\/*.parquet` sees. */
export function parquetFilesUnder(dir: string): string[] {
  return filesUnder(dir)
    .filter((f) => f.endsWith(".parquet"))
    .map((f) => path.join(dir, f));
}

/** Reads files with hyparquet (schema, footer metadata, rows). */
export async function readParquet(files: readonly string[]): Promise<ParquetFileRead[]> {
  if (files.length === 0) return [];
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["-r", "./tools/register.js", "test/integration/parquet_reader.ts", ...files],
    { cwd: ROOT, maxBuffer: 512 * 1024 * 1024 },
  );
  return stdout
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as ParquetFileRead);
}

/** All rows of every committed file under `dir`, with the file each came from. */
export async function readDataset(dir: string): Promise<{ files: ParquetFileRead[]; rows: Array<Record<string, unknown>> }> {
  const files = await readParquet(parquetFilesUnder(dir));
  return { files, rows: files.flatMap((f) => f.data) };
}
