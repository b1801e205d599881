/**
 * The Parquet sink's one-line errors: what went wrong, where, and what to do. A file-system failure (a directory
 * that is not writable, a disk that fills) becomes a ParquetSinkError; the pipeline then fails with it.
 */

export class ParquetSinkError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = "ParquetSinkError";
  }
}

const NOT_WRITABLE = new Set(["EACCES", "EPERM", "EROFS", "ENOTDIR", "EEXIST", "EISDIR"]);
const FULL = new Set(["ENOSPC", "EDQUOT", "EFBIG"]);

/** Describes a failed file-system step on `path` of the dataset under `root`. */
export function parquetSinkError(error: unknown, root: string, path: string): ParquetSinkError {
  if (error instanceof ParquetSinkError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && FULL.has(code)) {
    return new ParquetSinkError(
      `Parquet sink: no space left for ${root} (${code} writing ${path}); free space and restart the job — ` +
        "rows not yet in a committed file stay in the staging log and are written then",
      code,
    );
  }
  if (code !== undefined && NOT_WRITABLE.has(code)) {
    return new ParquetSinkError(
      `Parquet sink: cannot write to ${root} (${code} at ${path}); make it a writable directory or choose another --parquet-dir`,
      code,
    );
  }
  const message = (error as { message?: unknown } | undefined)?.message;
  const reason = typeof message === "string" ? message : String(error);
  return new ParquetSinkError(`Parquet sink: writing ${root} failed at ${path}: ${reason}`, code);
}

/** Runs one file-system step, turning its failure into a ParquetSinkError naming `path`. */
export async function fsStep<T>(root: string, path: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw parquetSinkError(error, root, path);
  }
}
