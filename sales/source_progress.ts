/**
 * What the sinks record of the consumer group that fills them: per (group, topic, partition) the offset the group
 * last committed, in PostgreSQL (`sales_source_progress`, in the sinks' schema) and in the Parquet folder
 * (`_source_progress/<group>/<topic>.json`, written whole and renamed). A broker restarted with its log folder wiped
 * forgets the group's offsets; the sinks still say an earlier run filled them, so the next run can refuse to re-read
 * the topic from its start into the same tables (pipelines/lost_offsets.ts).
 *
 * Written in each offset commit once the broker took it (the recorded offset is never ahead of the broker's); read at start.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { ensureDirectory, syncDirectory, writeFileDurably } from "../lib/durable_files";
import { ident, inTransaction, poolFor, type PostgresTarget } from "../transforms/sinks/postgres_connection";
import { qualified } from "../transforms/sinks/postgres_schema";
import { TABLES } from "./postgres_tables";

/** Offsets by partition number. */
export type Offsets = ReadonlyMap<number, number>;

/** One place the sinks keep the group's progress. */
export interface ProgressStore {
  /** Where it is, for the error line. */
  readonly where: string;
  read(groupId: string, topic: string): Promise<Offsets>;
  write(groupId: string, topic: string, offsets: Offsets): Promise<void>;
}

/** The progress table in the sinks' schema (created with the other sales tables). */
export function postgresProgress(target: PostgresTarget): ProgressStore {
  const table = qualified(target.schema, TABLES.progress);
  return {
    where: `PostgreSQL table ${target.schema}.${TABLES.progress}`,
    read: async (groupId, topic) => {
      const r = await poolFor(target.url).query<{ partition: number; offset: string }>(
        `SELECT partition, ${ident("offset")} FROM ${table} WHERE group_id = $1 AND topic = $2`,
        [groupId, topic],
      );
      return new Map(r.rows.map((row) => [row.partition, Number(row.offset)]));
    },
    write: (groupId, topic, offsets) =>
      inTransaction(target.url, async (client) => {
        for (const [partition, offset] of offsets) {
          await client.query(
            `INSERT INTO ${table} (group_id, topic, partition, ${ident("offset")}) VALUES ($1, $2, $3, $4)
             ON CONFLICT (group_id, topic, partition) DO UPDATE SET ${ident("offset")} = EXCLUDED.${ident("offset")}, written_at = now()`,
            [groupId, topic, partition, offset],
          );
        }
      }),
  };
}

/** The progress file of a group and topic in a Parquet folder. */
export function parquetProgressFile(dir: string, groupId: string, topic: string): string {
  return path.join(dir, "_source_progress", encodeURIComponent(groupId), `${encodeURIComponent(topic)}.json`);
}

/** The progress files in the Parquet folder. */
export function parquetProgress(dir: string): ProgressStore {
  return {
    where: `Parquet folder ${dir}`,
    read: async (groupId, topic) => {
      let text: string;
      try {
        text = await fs.readFile(parquetProgressFile(dir, groupId, topic), "utf8");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
        throw error;
      }
      const offsets = (JSON.parse(text) as { offsets?: Record<string, number> }).offsets ?? {};
      return new Map(Object.entries(offsets).map(([p, o]) => [Number(p), Number(o)]));
    },
    write: async (groupId, topic, offsets) => {
      const file = parquetProgressFile(dir, groupId, topic);
      await ensureDirectory(path.join(dir, "_source_progress"));
      await ensureDirectory(path.dirname(file));
      const json = JSON.stringify({ group: groupId, topic, offsets: Object.fromEntries(offsets) }) + "\n";
      await writeFileDurably(`${file}.tmp`, Buffer.from(json));
      await fs.rename(`${file}.tmp`, file);
      await syncDirectory(path.dirname(file));
    },
  };
}
