/**
 * Files that survive a crash: a whole file written and synced, a directory's entries synced, and `mkdir -p` that
 * names the real cause when it fails. Shared by the Parquet sink's logs and dataset and the direct runner's
 * checkpoints (a write counts only once these resolve).
 */
import { promises as fs } from "fs";
import * as path from "path";

/** Makes a directory's entries (a created, renamed or removed file) durable. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await fs.open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a whole file and waits until its bytes are on disk (not yet its directory entry). */
export async function writeFileDurably(path: string, bytes: Uint8Array): Promise<void> {
  const handle = await fs.open(path, "w");
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * `mkdir -p` that reports the real cause: Node's recursive mkdir answers ENOENT on a read-only file system; one
 * level at a time, the kernel's EROFS / EACCES / ENOTDIR comes through.
 */
export async function ensureDirectory(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      if ((await fs.stat(dir)).isDirectory()) return;
      throw error;
    }
    if (code !== "ENOENT" || path.dirname(dir) === dir) throw error;
    await ensureDirectory(path.dirname(dir));
    await ensureDirectory(dir);
  }
}
