/**
 * A folder that a fault test turns read-only mid-run and writable again (issue 22, item 6), as root: a tmpfs kept at
 * `<dir>.backing`, bind-mounted at `dir`. `mount -o remount,ro` refuses a file system with files open for writing
 * (EBUSY: the job's staging log is), so turning it read-only replaces the bind mount with a read-only one: every
 * later open, mkdir, rename or unlink under `dir` fails with EROFS, as on a disk remounted read-only; writes through
 * descriptors opened before go on (into the backing tmpfs). Writable again: a read-write bind mount of the same
 * tmpfs, with everything written before. Elsewhere (not root) `mountWritable` returns undefined.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";

export interface SwitchableFolder {
  /** From now on, nothing new can be written under the folder (EROFS). */
  readOnly(): void;
  /** Writable again, with what it held. */
  writable(): void;
  /** Unmounts both (also after a failure) and deletes the backing folder. */
  remove(): void;
}

const run = (args: readonly string[]): boolean => spawnSync(args[0], args.slice(1), { stdio: "ignore" }).status === 0;

function must(args: readonly string[]): void {
  const r = spawnSync(args[0], args.slice(1), { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed (${String(r.status)}): ${r.stderr}`);
}

/** Mounts a writable tmpfs of `sizeMiB` at `dir` (created if missing); undefined when this process may not mount. */
export function mountWritable(dir: string, sizeMiB = 64): SwitchableFolder | undefined {
  const backing = `${dir}.backing`;
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(backing, { recursive: true });
  if (!run(["mount", "-t", "tmpfs", "-o", `size=${sizeMiB}m`, "tmpfs", backing])) {
    fs.rmSync(backing, { recursive: true, force: true });
    return undefined;
  }
  try {
    must(["mount", "--bind", backing, dir]);
  } catch (e) {
    run(["umount", "-l", backing]);
    throw e;
  }
  const unbind = (): void => {
    // Lazily: the job may still hold descriptors under it.
    while (run(["mountpoint", "-q", dir])) if (!run(["umount", "-l", dir])) break;
  };
  return {
    readOnly: () => {
      unbind();
      must(["mount", "--bind", "-o", "ro", backing, dir]);
      // Proof that it is: root ignores permissions, not a read-only mount.
      try {
        fs.writeFileSync(`${dir}/.probe`, "");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EROFS") return;
        throw e;
      }
      throw new Error(`${dir} is still writable after mount --bind -o ro`);
    },
    writable: () => {
      unbind();
      must(["mount", "--bind", backing, dir]);
    },
    remove: () => {
      unbind();
      while (run(["mountpoint", "-q", backing])) if (!run(["umount", "-l", backing])) break;
      fs.rmSync(backing, { recursive: true, force: true });
    },
  };
}
