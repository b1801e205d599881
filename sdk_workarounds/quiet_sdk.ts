/**
 * The SDK's portable worker logs every control request (`console.log(request)`) and every bundle ("Processing …"),
 * and the portable runner its progress: with one-element bundles that is several lines per element. While a Flink
 * job of this process runs, those lines (recognized by their shape, nothing else) are dropped; a pipeline's own
 * console output and every warning or error of ours pass.
 */
import "./index";

const SDK_DEBUG_PREFIXES = [
  "Processing ",
  "Preparing job.",
  "Staging artifacts",
  "Running job.",
  "Shutting down external workers.",
  "Starting loopback workers at ",
  "Server bound on port: ",
  "Control channel closed.",
];

function isSdkChatter(args: readonly unknown[]): boolean {
  const first = args[0];
  if (typeof first === "string") {
    if (SDK_DEBUG_PREFIXES.some((p) => first.startsWith(p))) return true;
    // The data channel reports its normal shutdown at the end of every job as an error.
    return first === "Data channel error" && String(args[1]).includes("Multiplexer hanging up");
  }
  return first !== null && typeof first === "object" && ("instructionId" in first || "oneofKind" in first);
}

type Method = "log" | "debug" | "info" | "warn" | "error";
const METHODS: readonly Method[] = ["log", "debug", "info", "warn", "error"];

let active = 0;
let originals: Record<Method, (...args: unknown[]) => void> | undefined;

/** Filters the SDK's chatter until the returned function is called (nested jobs share one filter). */
export function quietSdk(): () => void {
  if (active++ === 0) {
    const saved = {} as Record<Method, (...args: unknown[]) => void>;
    for (const m of METHODS) {
      const original = console[m].bind(console);
      saved[m] = original;
      console[m] = (...args: unknown[]) => {
        if (!isSdkChatter(args)) original(...args);
      };
    }
    originals = saved;
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--active === 0 && originals) {
      for (const m of METHODS) console[m] = originals[m];
      originals = undefined;
    }
  };
}
