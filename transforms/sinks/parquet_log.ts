/**
 * Append-only JSON-lines files, made durable line by line (the Parquet sink's staging log and commit log).
 *
 * A line counts only when it is complete (ends with "\n"). A crash can leave the last line cut short; reading
 * drops it and truncates the file there, so the next append starts on a clean line. A complete line that does not
 * parse is not a crash artefact but a damaged file: that is an error, never silently skipped.
 */
import { promises as fs } from "fs";
import type { FileHandle } from "fs/promises";

export interface JsonLines<T> {
  readonly entries: T[];
  /** Length in bytes of the complete lines (where the file should end). */
  readonly validBytes: number;
}

/** Parses the complete lines; an incomplete last line is left out of `validBytes`. */
export function parseJsonLines<T>(text: Buffer, what: string): JsonLines<T> {
  const entries: T[] = [];
  let start = 0;
  for (;;) {
    const newline = text.indexOf(0x0a, start);
    if (newline < 0) return { entries, validBytes: start };
    const line = text.subarray(start, newline).toString("utf8");
    let value: T;
    try {
      value = JSON.parse(line) as T;
    } catch {
      // JSON text has no raw "\n": a torn append leaves a prefix whose last line lacks its "\n", so this is damage.
      throw new Error(`${what} is damaged at byte ${start} (not a JSON line); move it away to start over`);
    }
    entries.push(value);
    start = newline + 1;
  }
}

/** Reads a JSON-lines file (missing = empty) and truncates a torn last line. */
export async function readJsonLines<T>(path: string, what: string): Promise<T[]> {
  let text: Buffer;
  try {
    text = await fs.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const parsed = parseJsonLines<T>(text, what);
  if (parsed.validBytes < text.length) await fs.truncate(path, parsed.validBytes);
  return parsed.entries;
}

/** Appends one line and waits until it is on disk. */
export async function appendJsonLine(handle: FileHandle, value: unknown): Promise<void> {
  await appendJsonLines(handle, [value]);
}

/** Appends one line per value in one write, and waits until they are on disk (one fsync). */
export async function appendJsonLines(handle: FileHandle, values: readonly unknown[]): Promise<void> {
  let text = "";
  for (const value of values) text += JSON.stringify(value) + "\n";
  // A write may store only part of the bytes without an error (a disk that fills mid-write): the rest is written
  // again, which then reports the error (ENOSPC), so that a partly written line is never taken as durable.
  const bytes = Buffer.from(text, "utf8");
  for (let at = 0; at < bytes.length; ) {
    const { bytesWritten } = await handle.write(bytes, at, bytes.length - at);
    at += bytesWritten;
  }
  await handle.datasync();
}

