/**
 * Checkpoint files: one JSON file per checkpoint in a folder per consumer group and topic, written under a
 * temporary name, fsynced and renamed (a reader never sees a partial file), so that the offset commit naming it is
 * only made once the file is durable. Ids sort in the order they were taken; files older than the last committed
 * one are deleted after each commit.
 */
import * as fs from "fs";
import * as path from "path";
import { ensureDirectory, syncDirectory, writeFileDurably } from "../../../lib/durable_files";

const PREFIX = "checkpoint-";
const SUFFIX = ".json";

/** The folder of one consumer group's checkpoints of one topic. */
export function checkpointFolder(dir: string, groupId: string, topic: string): string {
  return path.join(dir, encodeURIComponent(groupId), encodeURIComponent(topic));
}

/** A new id that sorts after every id taken before it (also across restarts). */
export function checkpointId(sequence: number): string {
  return `${Date.now().toString(36).padStart(9, "0")}-${sequence.toString(36).padStart(6, "0")}`;
}

/** The file of one checkpoint. */
export function checkpointFile(folder: string, id: string): string {
  return path.join(folder, `${PREFIX}${id}${SUFFIX}`);
}

/** Writes the checkpoint durably: temp file, fsync, rename, fsync of the folder. */
export async function writeCheckpoint(folder: string, id: string, json: string): Promise<void> {
  await ensureDirectory(folder);
  const target = checkpointFile(folder, id);
  const temp = `${target}.tmp`;
  await writeFileDurably(temp, Buffer.from(json));
  await fs.promises.rename(temp, target);
  await syncDirectory(folder);
}

/** Removes what a failed write of checkpoint `id` left (its temporary file), so that a full disk gets its space back. */
export async function removeTemporary(folder: string, id: string): Promise<void> {
  await fs.promises.rm(`${checkpointFile(folder, id)}.tmp`, { force: true }).catch(() => undefined);
}

/**
 * Undefined when checkpoints can be written in `folder` (created if missing; a file is written and removed, as a
 * permission check alone passes for root on a read-only mount), else the error's code or text.
 */
export async function checkWritable(folder: string): Promise<string | undefined> {
  const probe = path.join(folder, `.writable-${process.pid}`);
  try {
    await ensureDirectory(folder);
    await fs.promises.writeFile(probe, "");
    await fs.promises.rm(probe, { force: true });
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

/** The checkpoint's JSON text, or undefined when there is no such file. */
export async function readCheckpoint(folder: string, id: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(checkpointFile(folder, id), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Deletes the checkpoints (and leftover temp files) older than `committedId`. */
export async function pruneCheckpoints(folder: string, committedId: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.promises.readdir(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const id = name.slice(PREFIX.length).replace(/\.json(\.tmp)?$/, "");
    if (id < committedId) await fs.promises.rm(path.join(folder, name), { force: true });
  }
}
