/**
 * Runner checkpoints kept in the job's state topic (io/kafka/kafka_state_topic.ts), so that a restart on another
 * machine — no local state folder — restores exactly what the last commit names (docs/guarantees.md §3a).
 *
 * A checkpoint is written gzipped in chunks of 512 KiB (records `c/<id>/<n>`), then a manifest (`m/<id>`: id,
 * chunk count, sha256 and size of the JSON text) once every chunk is acknowledged; the offset commit that names the
 * checkpoint comes after the manifest is acknowledged (kafka_commits.ts). A reader therefore trusts a checkpoint
 * only through its manifest: a manifest names chunks that were all durable before it. Superseded checkpoints are
 * deleted with tombstones (manifest first, so no manifest ever names deleted chunks) and compaction drops them.
 */
import { createHash } from "crypto";
import { gunzipSync, gzipSync } from "zlib";
import type { StateRecord, StateTopic } from "../../../io/kafka/kafka_state_topic";

/** The size of one chunk of a gzipped checkpoint. */
export const CHUNK_BYTES = 512 * 1024;

const MANIFEST = "m/";
const CHUNK = "c/";
const MANIFEST_VERSION = 1;

export interface CheckpointManifest {
  readonly v: number;
  readonly id: string;
  readonly chunks: number;
  /** sha256 (hex) of the checkpoint's JSON text. */
  readonly sha256: string;
  /** Length of the JSON text (UTF-8 bytes). */
  readonly bytes: number;
}

/** What one write cost. */
export interface WriteStats {
  /** Bytes sent to the topic (gzipped chunks and manifest). */
  readonly bytes: number;
  readonly chunks: number;
  readonly ms: number;
}

/** A checkpoint loaded for a restart: its JSON text and where it came from. */
export type Loaded =
  | { readonly json: string; readonly from: "local file" | "state topic" }
  | { readonly problem: string; readonly absent?: true };

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

function chunkKey(id: string, n: number): string {
  return `${CHUNK}${id}/${n}`;
}

function parseManifest(value: Buffer): CheckpointManifest | undefined {
  try {
    const m = JSON.parse(value.toString("utf8")) as Partial<CheckpointManifest>;
    const ok =
      m.v === MANIFEST_VERSION && typeof m.id === "string" && Number.isInteger(m.chunks) && (m.chunks ?? 0) > 0 &&
      typeof m.sha256 === "string" && Number.isInteger(m.bytes);
    return ok ? (m as CheckpointManifest) : undefined;
  } catch {
    return undefined;
  }
}

/** What the topic holds, as read at the start of a run. */
interface TopicContents {
  /** Per checkpoint id: its manifest (or "damaged" when the record cannot be read as one). */
  readonly manifests: Map<string, CheckpointManifest | "damaged">;
  /** Per checkpoint id: the chunk numbers present (deleted ones removed). */
  readonly chunkNumbers: Map<string, Set<number>>;
  /** The wanted checkpoint's chunks. */
  readonly wanted: Map<number, Buffer>;
}

export class RemoteCheckpointStore {
  /** Ids with records in the topic (their highest chunk number + 1): what a prune deletes. */
  private readonly known = new Map<string, number>();

  constructor(private readonly topic: StateTopic) {}

  get topicName(): string {
    return this.topic.name;
  }

  /** Chunks, then the manifest; resolves once all are acknowledged. */
  async write(id: string, json: string): Promise<WriteStats> {
    const startedAt = performance.now();
    const gz = gzipSync(Buffer.from(json, "utf8"));
    const chunks = Math.max(1, Math.ceil(gz.length / CHUNK_BYTES));
    const records: StateRecord[] = [];
    for (let n = 0; n < chunks; n++) records.push({ key: chunkKey(id, n), value: gz.subarray(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES) });
    this.known.set(id, chunks);
    await this.topic.write(records);
    const manifest: CheckpointManifest = { v: MANIFEST_VERSION, id, chunks, sha256: sha256(json), bytes: Buffer.byteLength(json) };
    const value = Buffer.from(JSON.stringify(manifest));
    await this.topic.write([{ key: MANIFEST + id, value }]);
    return { bytes: gz.length + value.length, chunks, ms: performance.now() - startedAt };
  }

  /** Reads the topic; remembers every checkpoint in it (for prune) and keeps the chunks of `wanted`. */
  private async readContents(wanted: string | undefined): Promise<TopicContents> {
    const contents: TopicContents = { manifests: new Map(), chunkNumbers: new Map(), wanted: new Map() };
    await this.topic.readAll(({ key, value }) => {
      if (key.startsWith(MANIFEST)) {
        const id = key.slice(MANIFEST.length);
        if (value === null) contents.manifests.delete(id);
        else contents.manifests.set(id, parseManifest(value) ?? "damaged");
        if (!this.known.has(id)) this.known.set(id, 0);
        return;
      }
      if (!key.startsWith(CHUNK)) return;
      const slash = key.lastIndexOf("/");
      const id = key.slice(CHUNK.length, slash);
      const n = Number(key.slice(slash + 1));
      if (!Number.isInteger(n) || n < 0) return;
      const numbers = contents.chunkNumbers.get(id) ?? new Set<number>();
      contents.chunkNumbers.set(id, numbers);
      if (value === null) numbers.delete(n);
      else numbers.add(n);
      this.known.set(id, Math.max(this.known.get(id) ?? 0, n + 1));
      if (id !== wanted) return;
      if (value === null) contents.wanted.delete(n);
      else contents.wanted.set(n, value);
    });
    return contents;
  }

  /**
   * At the start of a run without a checkpoint to restore: learns what is in the topic, so the next prune clears it;
   * returns the ids of the checkpoints it has a manifest of.
   */
  async scan(): Promise<string[]> {
    return [...(await this.readContents(undefined)).manifests.keys()];
  }

  /**
   * The checkpoint `id` for a restart: the local file's text when it matches the manifest, otherwise the one
   * rebuilt from the topic's chunks. A problem (one line, what to do) when the topic does not have it whole.
   */
  async load(id: string, local: string | undefined): Promise<Loaded> {
    const contents = await this.readContents(id);
    const manifest = contents.manifests.get(id);
    const where = `the state topic ${this.topic.name}`;
    if (manifest === undefined) {
      return { problem: `the last commit names runner checkpoint ${id}, which ${where} does not have (the topic was deleted or reset?)`, absent: true };
    }
    if (manifest === "damaged" || manifest.id !== id) return { problem: `the manifest of runner checkpoint ${id} in ${where} is damaged` };
    if (local !== undefined && Buffer.byteLength(local) === manifest.bytes && sha256(local) === manifest.sha256) {
      return { json: local, from: "local file" };
    }
    const missing: number[] = [];
    for (let n = 0; n < manifest.chunks; n++) if (!contents.wanted.has(n)) missing.push(n);
    if (missing.length > 0) {
      return { problem: `the manifest of runner checkpoint ${id} names ${manifest.chunks} chunks, but ${where} lacks chunk(s) ${missing.slice(0, 5).join(", ")}` };
    }
    let json: string;
    try {
      const parts: Buffer[] = [];
      for (let n = 0; n < manifest.chunks; n++) parts.push(contents.wanted.get(n) ?? Buffer.alloc(0));
      json = gunzipSync(Buffer.concat(parts)).toString("utf8");
    } catch (error) {
      return { problem: `runner checkpoint ${id} in ${where} is damaged (${error instanceof Error ? error.message : String(error)})` };
    }
    if (Buffer.byteLength(json) !== manifest.bytes || sha256(json) !== manifest.sha256) {
      return { problem: `runner checkpoint ${id} in ${where} is damaged (its sha256 is not the manifest's)` };
    }
    return { json, from: "state topic" };
  }

  /** After the commit that names `keep`: deletes every other checkpoint the topic holds (manifest first). */
  async prune(keep: string): Promise<void> {
    const tombstones: StateRecord[] = [];
    const pruned: string[] = [];
    for (const [id, chunks] of this.known) {
      if (id === keep) continue;
      tombstones.push({ key: MANIFEST + id, value: null });
      for (let n = 0; n < chunks; n++) tombstones.push({ key: chunkKey(id, n), value: null });
      pruned.push(id);
    }
    if (tombstones.length === 0) return;
    await this.topic.write(tombstones);
    for (const id of pruned) this.known.delete(id);
  }

  close(): Promise<void> {
    return this.topic.close();
  }
}
