/**
 * One Parquet dataset (the results, or the late data) under `<root>`, written exactly once across crashes.
 *
 *   <root>/date=YYYY-MM-DD/part-<batch>-<n>.parquet   the dataset: every *.parquet file here is committed
 *   <root>/_sink/staged-<segment>.jsonl                staging log: rows durable but not yet in a committed file
 *   <root>/_sink/manifest.jsonl                        commit log: one line per committed batch of files
 *   <root>/_sink/keys/<date>.jsonl                     committed keys moved out of the commit log (compaction)
 *   <root>/_sink/tmp/part-<batch>-<n>.parquet.tmp      files being written (never inside a partition)
 *
 * stage(rows) appends the bundle's rows to the staging log and fsyncs it (bundles that arrive meanwhile share one
 * fsync): when it resolves the rows survive a crash (the runner may then commit the Kafka offsets behind them). A roll-over (rows ≥ maxRowsPerFile, the oldest
 * staged row older than maxFileAgeMs, or flush/close) writes the staged rows that are not yet in the dataset —
 * deduplicated by key — into Parquet files:
 *
 *   1. each file to tmp/, fsync;  2. one commit-log line naming the files, their rows' keys (by partition) and the
 *   last staging segment they consume, fsync — the commit point;  3. rename each file into its partition, fsync
 *   the folders;  4. delete the consumed staging segments.
 *
 * Compaction keeps the commit log and the key set in memory bounded (parquet_committed_keys.ts): once the commit
 * log's batch lines hold `compactAfterKeys` keys, (a) they are appended to their partitions' key files, fsync;
 * (b) the log is replaced (temp file, fsync, rename, fsync) by one base line: the last batch and staging segment,
 * no files, no keys. A crash between (a) and (b) leaves the old log, whose keys are then in both places.
 *
 * open() recovers: drops a torn last log line, finishes the renames of committed batches (their temp files are
 * complete), deletes the other temp files, deletes consumed segments and commits the rows of the others. A row
 * whose key is committed (commit log or key file) is never written again, so a replayed final pane appears once. One writer per
 * folder (like one pipeline per consumer group): `_sink/writer.lock` names the writing process.
 */
import { promises as fs } from "fs";
import type { FileHandle } from "fs/promises";
import * as path from "path";
import { Writable } from "stream";
import { ParquetWriter } from "parquetjs-lite";
import { fsStep, parquetSinkError, ParquetSinkError } from "./parquet_errors";
import { CommittedKeys } from "./parquet_committed_keys";
import { parquetSchema, withLogicalTypes, type Columns } from "./parquet_logical_types";
import { appendJsonLine, appendJsonLines, readJsonLines } from "./parquet_log";
import { ensureDirectory, syncDirectory, writeFileDurably } from "../../lib/durable_files";

export interface ParquetDatasetOptions<R> {
  /** The dataset's folder (`<parquet dir>/results` or `<parquet dir>/late`). */
  readonly root: string;
  /** The files' columns and their logical types. */
  readonly columns: Columns;
  /** Rows with the same key are the same row (a replay): only the first is written. */
  readonly keyOf: (row: R) => string;
  /** The Hive partition value (`date=<value>`). */
  readonly partitionOf: (row: R) => string;
  readonly maxRowsPerFile: number;
  readonly maxFileAgeMs: number;
  /** Key-value metadata written into every file's footer. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Fields of staged rows that an earlier version named otherwise: old name → name now (read at recovery). */
  readonly renamedFields?: Readonly<Record<string, string>>;
  /** Compact the commit log once its batch lines hold this many keys (default 100,000). */
  readonly compactAfterKeys?: number;
  /** Date partitions whose committed keys stay in memory (default 4; others are read again when needed). */
  readonly loadedPartitions?: number;
}

export const DEFAULT_COMPACT_AFTER_KEYS = 100_000;
export const DEFAULT_LOADED_PARTITIONS = 4;

/**
 * One committed batch, as a line of the commit log: its keys by partition (v 2), or as one list (v 1, written
 * before compaction existed: its keys count for every partition of its files).
 */
export interface BatchEntry {
  readonly v: 1 | 2;
  readonly batch: number;
  /** The last staging segment whose rows this batch consumed. */
  readonly staged: number;
  readonly files: ReadonlyArray<{ readonly path: string; readonly rows: number }>;
  readonly keys: readonly string[] | Readonly<Record<string, readonly string[]>>;
}

/** The first line of a compacted commit log: what the batches before it consumed (their keys are in key files). */
export interface BaseEntry {
  readonly v: 2;
  readonly base: true;
  readonly batch: number;
  readonly staged: number;
}

export type ManifestEntry = BatchEntry | BaseEntry;

/**
 * One staged bundle: its rows as columns of values under one list of field names (`f`, `v`: rows of one shape, the
 * usual case, written without repeating every field name in every row), or as objects (`rows`).
 */
type StagedLine<R> = { readonly rows: R[] } | { readonly f: string[]; readonly v: unknown[][] };

function stagedLine<R extends object>(rows: readonly R[]): StagedLine<R> {
  const fields = Object.keys(rows[0]);
  const values: unknown[][] = new Array<unknown[]>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as Record<string, unknown>;
    const v = new Array<unknown>(fields.length);
    let n = 0;
    for (const k in row) {
      if (k !== fields[n]) return { rows: [...rows] };
      v[n++] = row[k];
    }
    if (n !== fields.length) return { rows: [...rows] };
    values[i] = v;
  }
  return { f: fields, v: values };
}

/** A staged line's rows, fields an earlier version named otherwise under their current names. */
function stagedRows<R>(line: StagedLine<R>, renamed: Readonly<Record<string, string>>): R[] {
  const name = (field: string): string => (Object.hasOwn(renamed, field) ? renamed[field] : field);
  if ("rows" in line) {
    return line.rows.map((row) => Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([k, v]) => [name(k), v])) as R);
  }
  const fields = line.f.map(name);
  return line.v.map((values) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) row[fields[i]] = values[i];
    return row as R;
  });
}

export interface DatasetStats {
  stagedRows: number;
  committedRows: number;
  committedFiles: number;
  duplicatesDropped: number;
}

const SEGMENT = /^staged-(\d+)\.jsonl$/;
const LOCK = "writer.lock";

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Encodes rows as one Parquet file in memory, with the logical types of `columns` in its footer. */
export async function encodeParquet<R extends object>(
  columns: Columns,
  rows: readonly R[],
  metadata: Readonly<Record<string, string>> = {},
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done): void {
      chunks.push(chunk);
      done();
    },
  });
  const writer = await ParquetWriter.openStream(parquetSchema(columns), sink);
  for (const entry of Object.entries(metadata)) writer.setMetadata(entry[0], entry[1]);
  for (const row of rows) await writer.appendRow(row);
  await writer.close();
  return withLogicalTypes(Buffer.concat(chunks), columns);
}

/** Splits rows by partition and then into files of at most `maxRows` rows (partitions in sorted order). */
export function planFiles<R>(rows: readonly R[], partitionOf: (row: R) => string, maxRows: number): Array<{ partition: string; rows: R[] }> {
  const files: Array<{ partition: string; rows: R[] }> = [];
  for (const [partition, all] of byPartition(rows, partitionOf)) {
    for (let i = 0; i < all.length; i += maxRows) files.push({ partition, rows: all.slice(i, i + maxRows) });
  }
  return files;
}

/** Rows by partition, partitions in sorted order (rows in their order). */
function byPartition<R>(rows: readonly R[], partitionOf: (row: R) => string): Array<[string, R[]]> {
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    const partition = partitionOf(row);
    const list = groups.get(partition);
    if (list) list.push(row);
    else groups.set(partition, [row]);
  }
  return [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export class ParquetDataset<R extends object> {
  private readonly meta: string;
  private readonly tmp: string;
  private readonly manifestPath: string;
  private manifest: FileHandle | undefined;
  private pending: R[] = [];
  private pendingSince: number | undefined;
  private readonly committed: CommittedKeys;
  private batch = 0;
  /** The last staging segment consumed by a committed batch. */
  private consumed = 0;
  /** The staging segment stage() appends to; segments up to `consumed` are in committed files. */
  private segment = 1;
  private segmentHandle: FileHandle | undefined;
  private queue: Promise<void> = Promise.resolve();
  /** Bundles waiting for the next staging append (group commit). */
  private waiting: Array<{ readonly rows: readonly R[]; resolve(): void; reject(error: unknown): void }> = [];
  private failure: ParquetSinkError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly stats: DatasetStats = { stagedRows: 0, committedRows: 0, committedFiles: 0, duplicatesDropped: 0 };

  private constructor(private readonly options: ParquetDatasetOptions<R>) {
    this.meta = path.join(options.root, "_sink");
    this.tmp = path.join(this.meta, "tmp");
    this.manifestPath = path.join(this.meta, "manifest.jsonl");
    this.committed = new CommittedKeys(options.root, this.meta, options.loadedPartitions ?? DEFAULT_LOADED_PARTITIONS);
  }

  /** Committed keys held in memory now (the loaded partitions' and those still in the commit log). */
  get keysInMemory(): number {
    return this.committed.inMemory;
  }

  /** Opens (creating the folders) and recovers from an earlier crash. */
  static async open<R extends object>(options: ParquetDatasetOptions<R>): Promise<ParquetDataset<R>> {
    const dataset = new ParquetDataset(options);
    await dataset.serialized(() => dataset.recover());
    return dataset;
  }

  /**
   * Makes the rows durable in the staging log; may roll over into Parquet files. Group commit: bundles staged
   * while an earlier append or roll-over is in progress are appended together, one line each, with one fsync.
   */
  stage(rows: readonly R[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ rows, resolve, reject });
      // A group is already scheduled and has not started: it takes these rows too.
      if (this.waiting.length > 1) return;
      this.serialized(() => this.stageGroup()).catch((error: unknown) => {
        // A failure before the group started (an earlier step failed): its bundles fail with that error.
        for (const entry of this.waiting.splice(0)) entry.reject(error);
      });
    });
  }

  private async stageGroup(): Promise<void> {
    const group = this.waiting.splice(0);
    try {
      if (this.closed) throw new ParquetSinkError(`Parquet sink: ${this.options.root} was closed; rows arrived after close()`, undefined);
      await this.appendToStaging(group.map((entry) => entry.rows));
      if (this.pending.length >= this.options.maxRowsPerFile || this.age() >= this.options.maxFileAgeMs) {
        await this.rollOver();
      }
    } catch (error) {
      const failure = parquetSinkError(error, this.options.root, this.options.root);
      for (const entry of group) entry.reject(failure);
      throw failure;
    }
    for (const entry of group) entry.resolve();
  }

  /** Writes every staged row into committed files now. */
  flush(): Promise<void> {
    return this.serialized(() => this.rollOver());
  }

  /** Flushes and releases the files. Later stage() calls fail. */
  async close(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await this.segmentHandle?.close().catch(() => undefined);
      await this.manifest?.close().catch(() => undefined);
      this.segmentHandle = undefined;
      this.manifest = undefined;
      await fs.rm(path.join(this.meta, LOCK), { force: true }).catch(() => undefined);
    }
  }

  /**
   * One writer per folder: `_sink/writer.lock` holds the writing process's id. A lock left by a process that is
   * gone (a crash) is taken over; a live one is an error.
   */
  private async lock(): Promise<void> {
    const file = path.join(this.meta, LOCK);
    const holder = Number((await fs.readFile(file, "utf8").catch(() => "")).trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new ParquetSinkError(
        `Parquet sink: ${this.options.root} is being written by process ${holder}; run one job per --parquet-dir (or stop that one)`,
        undefined,
      );
    }
    await fsStep(this.options.root, file, () => writeFileDurably(file, Buffer.from(`${process.pid}\n`)));
  }

  /** Runs `step` after the previous one; after a failure every step fails with the first error. */
  private serialized(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.failure) throw this.failure;
      try {
        await step();
      } catch (error) {
        this.failure = parquetSinkError(error, this.options.root, this.options.root);
        throw this.failure;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private age(): number {
    return this.pendingSince === undefined ? 0 : Date.now() - this.pendingSince;
  }

  private segmentPath(n: number): string {
    return path.join(this.meta, `staged-${pad(n, 8)}.jsonl`);
  }

  private async recover(): Promise<void> {
    const root = this.options.root;
    for (const dir of [root, this.meta, this.tmp]) await fsStep(root, dir, () => ensureDirectory(dir));
    await fsStep(root, root, () => fs.access(root, fs.constants.W_OK));
    await this.lock();
    await this.committed.open();
    const compacting = this.manifestPath + ".tmp"; // a compaction cut short before its rename: the log is whole
    await fsStep(root, compacting, () => fs.rm(compacting, { force: true }));
    const entries = await fsStep(root, this.manifestPath, () =>
      readJsonLines<ManifestEntry>(this.manifestPath, `the Parquet commit log ${this.manifestPath}`),
    );
    for (const entry of entries) {
      this.batch = Math.max(this.batch, entry.batch);
      this.consumed = Math.max(this.consumed, entry.staged);
      if ("base" in entry) continue;
      this.logKeys(entry);
      for (const file of entry.files) {
        // Committed: a temp file still there is complete (fsynced before the commit line); finish its rename.
        const temp = path.join(this.tmp, path.basename(file.path) + ".tmp");
        const final = path.join(root, file.path);
        if (await exists(temp)) await this.publish(temp, final);
      }
    }
    for (const name of await fsStep(root, this.tmp, () => fs.readdir(this.tmp))) {
      const temp = path.join(this.tmp, name);
      await fsStep(root, temp, () => fs.rm(temp, { force: true, recursive: true }));
    }
    const consumed = this.consumed;
    let last = consumed;
    const names = await fsStep(root, this.meta, () => fs.readdir(this.meta));
    const segments = names
      .map((name) => SEGMENT.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const n of segments) {
      const file = this.segmentPath(n);
      if (n <= consumed) {
        await fsStep(root, file, () => fs.rm(file, { force: true }));
        continue;
      }
      const lines = await fsStep(root, file, () => readJsonLines<StagedLine<R>>(file, `the Parquet staging log ${file}`));
      for (const line of lines) for (const row of stagedRows(line, this.options.renamedFields ?? {})) this.pending.push(row);
      last = Math.max(last, n);
    }
    this.segment = last === consumed ? consumed + 1 : last;
    this.manifest = await fsStep(root, this.manifestPath, () => fs.open(this.manifestPath, "a"));
    await this.compactIfDue();
    if (this.pending.length > 0) {
      this.pendingSince = Date.now();
      await this.rollOver();
    }
  }

  /** Appends one line per bundle, then one fsync for them all. */
  private async appendToStaging(bundles: ReadonlyArray<readonly R[]>): Promise<void> {
    const root = this.options.root;
    const file = this.segmentPath(this.segment);
    if (!this.segmentHandle) {
      this.segmentHandle = await fsStep(root, file, () => fs.open(file, "a"));
      await fsStep(root, this.meta, () => syncDirectory(this.meta));
    }
    const handle = this.segmentHandle;
    await fsStep(root, file, () => appendJsonLines(handle, bundles.map((rows) => stagedLine(rows))));
    for (const rows of bundles) {
      for (const row of rows) this.pending.push(row);
      this.stats.stagedRows += rows.length;
    }
    if (this.pendingSince === undefined) {
      this.pendingSince = Date.now();
      this.armTimer();
    }
  }

  /** Rolls over when the oldest staged row reaches maxFileAgeMs, even if no bundle arrives meanwhile. */
  private armTimer(delay = this.options.maxFileAgeMs): void {
    const maxAge = this.options.maxFileAgeMs;
    if (this.timer || this.closed || !Number.isFinite(delay)) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // A failure is kept and reported by the next stage(), flush() or close().
      this.serialized(async () => {
        if (this.pending.length > 0 && this.age() >= maxAge) await this.rollOver();
      }).then(
        () => {
          if (this.pendingSince !== undefined) this.armTimer(Math.max(1, maxAge - this.age()));
        },
        () => undefined,
      );
    }, Math.max(1, delay));
    this.timer.unref();
  }

  private async rollOver(): Promise<void> {
    if (this.pending.length === 0) return;
    const { root, keyOf, partitionOf, maxRowsPerFile } = this.options;
    const through = this.segment;
    if (this.segmentHandle) {
      const handle = this.segmentHandle;
      this.segmentHandle = undefined;
      await fsStep(root, this.segmentPath(through), () => handle.close());
    }
    this.segment = through + 1;

    // Deduplicated one partition at a time: only that partition's committed keys are needed.
    const fresh: R[] = [];
    const keys: Record<string, string[]> = {};
    for (const [partition, rows] of byPartition(this.pending, partitionOf)) {
      const committed = await this.committed.of(partition);
      const seen = new Set<string>();
      const partitionKeys: string[] = [];
      for (const row of rows) {
        const key = keyOf(row);
        if (committed.has(key) || seen.has(key)) {
          this.stats.duplicatesDropped += 1;
          continue;
        }
        seen.add(key);
        partitionKeys.push(key);
        fresh.push(row);
      }
      if (partitionKeys.length > 0) keys[partition] = partitionKeys;
    }

    if (fresh.length > 0) {
      const batch = this.batch + 1;
      const planned = planFiles(fresh, partitionOf, maxRowsPerFile).map((file, i) => {
        const name = `part-${pad(batch, 8)}-${pad(i, 3)}.parquet`;
        return {
          rows: file.rows,
          relative: `date=${file.partition}/${name}`,
          temp: path.join(this.tmp, name + ".tmp"),
          final: path.join(root, `date=${file.partition}`, name),
        };
      });
      for (const file of planned) {
        const bytes = await encodeParquet(this.options.columns, file.rows, this.options.metadata);
        await fsStep(root, file.temp, () => writeFileDurably(file.temp, bytes));
      }
      await fsStep(root, this.tmp, () => syncDirectory(this.tmp));
      const entry: BatchEntry = {
        v: 2,
        batch,
        staged: through,
        files: planned.map((f) => ({ path: f.relative, rows: f.rows.length })),
        keys,
      };
      const manifest = this.manifest;
      if (!manifest) throw new ParquetSinkError(`Parquet sink: the commit log of ${root} is not open`, undefined);
      await fsStep(root, this.manifestPath, () => appendJsonLine(manifest, entry)); // the commit point
      this.batch = batch;
      this.consumed = through;
      this.logKeys(entry);
      for (const file of planned) await this.publish(file.temp, file.final);
      this.stats.committedRows += fresh.length;
      this.stats.committedFiles += planned.length;
    }

    this.pending = [];
    this.pendingSince = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const name of await fsStep(root, this.meta, () => fs.readdir(this.meta))) {
      const m = SEGMENT.exec(name);
      if (m && Number(m[1]) <= through) {
        const file = path.join(this.meta, name);
        await fsStep(root, file, () => fs.rm(file, { force: true }));
      }
    }
    await this.compactIfDue();
  }

  /** A committed batch's keys, by partition (a v 1 line's count for each partition of its files). */
  private logKeys(entry: BatchEntry): void {
    if (Array.isArray(entry.keys)) {
      const partitions = new Set(entry.files.map((f) => path.dirname(f.path).replace(/^date=/, "")));
      for (const partition of partitions) this.committed.log(partition, entry.keys);
      return;
    }
    for (const [partition, keys] of Object.entries(entry.keys as Readonly<Record<string, readonly string[]>>)) {
      this.committed.log(partition, keys);
    }
  }

  /** Moves the commit log's keys to the key files and the log to one base line, once it holds enough keys. */
  private async compactIfDue(): Promise<void> {
    if (this.committed.loggedKeys < (this.options.compactAfterKeys ?? DEFAULT_COMPACT_AFTER_KEYS)) return;
    const root = this.options.root;
    await this.committed.persistLogged();
    const base: BaseEntry = { v: 2, base: true, batch: this.batch, staged: this.consumed };
    const temp = this.manifestPath + ".tmp";
    await fsStep(root, temp, () => writeFileDurably(temp, Buffer.from(JSON.stringify(base) + "\n")));
    const old = this.manifest;
    this.manifest = undefined;
    await fsStep(root, this.manifestPath, async () => old?.close());
    await fsStep(root, this.manifestPath, () => fs.rename(temp, this.manifestPath));
    await fsStep(root, this.meta, () => syncDirectory(this.meta));
    this.committed.compacted();
    this.manifest = await fsStep(root, this.manifestPath, () => fs.open(this.manifestPath, "a"));
  }

  /** Moves a complete temp file into its partition and makes the move durable. */
  private async publish(temp: string, final: string): Promise<void> {
    const root = this.options.root;
    const partition = path.dirname(final);
    const created = !(await exists(partition));
    await fsStep(root, partition, () => ensureDirectory(partition));
    await fsStep(root, final, () => fs.rename(temp, final));
    await fsStep(root, partition, () => syncDirectory(partition));
    if (created) await fsStep(root, root, () => syncDirectory(root));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}
