/**
 * The keys of the rows a Parquet dataset has committed, by date partition, so that a replayed row is never written
 * twice — in bounded memory however long the job runs.
 *
 *   <root>/_sink/keys/<partition>.jsonl   one JSON array of keys per line: the partition's committed keys that
 *                                         were moved out of the commit log (compaction)
 *
 * A key is in a key file or in a batch line of the commit log still to be compacted ("logged"), or in both (a
 * compaction cut short by a crash is done again; a key twice is the same key). A row's key determines its
 * partition, so a partition's keys are all a roll-over needs to check that partition's rows; they are read from
 * disk when first needed, and only the `maxLoaded` partitions used most recently stay in memory (a job writes
 * today's and yesterday's partitions; a run from scratch over a backlog walks them in order). Memory is then the
 * keys of a few partitions plus the logged keys (bounded by compaction), not every key ever committed.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { fsStep } from "./parquet_errors";
import { appendJsonLine, readJsonLines } from "./parquet_log";
import { ensureDirectory, syncDirectory } from "../../lib/durable_files";

export class CommittedKeys {
  /** Keys of the commit log's batch lines, by partition. Lifetime: until compacted(). */
  private readonly logged = new Map<string, string[]>();
  private loggedCount = 0;
  /** The whole committed key set of the partitions used most recently (least recent first). */
  private readonly loaded = new Map<string, Set<string>>();
  private readonly dir: string;

  constructor(
    private readonly root: string,
    meta: string,
    private readonly maxLoaded: number,
  ) {
    this.dir = path.join(meta, "keys");
  }

  async open(): Promise<void> {
    await fsStep(this.root, this.dir, () => ensureDirectory(this.dir));
  }

  /** Keys of a commit-log line (a committed batch), by partition. */
  log(partition: string, keys: readonly string[]): void {
    let list = this.logged.get(partition);
    if (!list) this.logged.set(partition, (list = []));
    for (const key of keys) list.push(key);
    this.loggedCount += keys.length;
    const set = this.loaded.get(partition);
    if (set) for (const key of keys) set.add(key);
  }

  /** Keys in the commit log, not yet in key files. */
  get loggedKeys(): number {
    return this.loggedCount;
  }

  /** Keys held in memory: the loaded partitions' and the logged keys of the others. */
  get inMemory(): number {
    let n = 0;
    for (const set of this.loaded.values()) n += set.size;
    for (const [partition, keys] of this.logged) if (!this.loaded.has(partition)) n += keys.length;
    return n;
  }

  /** The committed keys of `partition` (read from its key file and the logged keys when not in memory). */
  async of(partition: string): Promise<ReadonlySet<string>> {
    let set = this.loaded.get(partition);
    if (set) {
      this.loaded.delete(partition); // most recently used: last
      this.loaded.set(partition, set);
      return set;
    }
    const file = this.fileOf(partition);
    const lines = await fsStep(this.root, file, () => readJsonLines<string[]>(file, `the Parquet key file ${file}`));
    set = new Set<string>();
    for (const line of lines) for (const key of line) set.add(key);
    for (const key of this.logged.get(partition) ?? []) set.add(key);
    this.loaded.set(partition, set);
    for (const oldest of this.loaded.keys()) {
      if (this.loaded.size <= this.maxLoaded) break;
      this.loaded.delete(oldest);
    }
    return set;
  }

  /**
   * Compaction, step 1: appends the logged keys to their partitions' key files and makes them durable. The caller
   * then replaces the commit log by one line without keys and calls compacted().
   */
  async persistLogged(): Promise<void> {
    for (const [partition, keys] of this.logged) {
      if (keys.length === 0) continue;
      const file = this.fileOf(partition);
      const handle = await fsStep(this.root, file, () => fs.open(file, "a"));
      try {
        await fsStep(this.root, file, () => appendJsonLine(handle, keys));
      } finally {
        await handle.close();
      }
    }
    await fsStep(this.root, this.dir, () => syncDirectory(this.dir)); // new key files' entries
  }

  /** Compaction, last step: the commit log no longer holds the logged keys (they are in key files). */
  compacted(): void {
    this.logged.clear();
    this.loggedCount = 0;
  }

  private fileOf(partition: string): string {
    return path.join(this.dir, `${partition}.jsonl`);
  }
}
