/**
 * Who started a service of the local stack: `auto` (a test run, stopped by the last one to leave) or `manual`
 * (`npm run stack:up` / `flink:up`, or found running: never stopped by a test run). Kept in an owner file beside
 * the service's state; a missing or unreadable file means `manual`.
 */
import * as fs from "fs";

export type Owner = "manual" | "auto";

export function readOwner(ownerFile: string): Owner {
  try {
    return fs.readFileSync(ownerFile, "utf8").trim() === "auto" ? "auto" : "manual";
  } catch {
    return "manual";
  }
}

export function writeOwner(ownerFile: string, owner: Owner): void {
  fs.writeFileSync(ownerFile, owner + "\n");
}
