/**
 * A runner checkpoint: the state of every grouped step at a moment when no work is in flight, so that a restart
 * continues from it instead of rebuilding live windows by re-reading their records (which cannot reproduce the
 * watermark each record originally met: session windows came out different after a crash, docs/guarantees.md §3).
 *
 * The source takes one together with its offset commit (kafka_source.ts): it writes the checkpoint to a file
 * (checkpoint_files.ts), then commits offsets whose metadata names it. A restart that finds the named file restores
 * it and skips the records it already reflects; one that does not falls back to re-reading.
 */
import type { GroupingOperator } from "../operators/grouping_operator";
import type { StepOperator } from "../operators/operator";
import { createHash } from "crypto";
import { WATERMARK_DONE, type WindowingSpec } from "../../../model/model";
import { NotCheckpointable } from "./state_codec";
import { decodeGroupedStep, encodeGroupedStep } from "./grouped_step_codec";

const VERSION = 1;

/** What a source gets to checkpoint the runner it feeds (SourceContext.checkpoints). */
export interface RunnerCheckpoints {
  /** The folder checkpoints are kept in (one subfolder per consumer group and topic). */
  readonly dir: string;
  /**
   * The runner's state now as JSON text, or the reason it cannot be checkpointed. Valid only inside
   * UnboundedSource.onDurable, where no work is in flight.
   */
  capture(): { readonly json: string } | { readonly reason: string };
  /** Loads a checkpoint before the first record; returns the reason when it does not fit this pipeline. */
  restore(json: string): string | undefined;
}

interface CheckpointFile {
  readonly v: number;
  /** Per grouped step: its fingerprint and its encoded state. */
  readonly steps: Record<string, { readonly f: string; readonly s: unknown }>;
}

/**
 * What a grouped step's state depends on besides its name: its kind, windowing strategy and CombineFn. A
 * checkpoint of a step with another fingerprint (the job was changed: another window, trigger or combine) is not
 * restored.
 */
export function stepFingerprint(kind: string, windowing: WindowingSpec, payload: Uint8Array): string {
  return createHash("sha256").update(kind).update(JSON.stringify(windowing)).update(payload).digest("hex").slice(0, 16);
}

export interface CheckpointedSteps {
  readonly grouped: readonly { readonly name: string; readonly op: GroupingOperator; readonly fingerprint: string }[];
  /** The other operators: a checkpoint is only possible when none of them holds elements back. */
  readonly others: readonly StepOperator[];
}

export function runnerCheckpoints(dir: string, steps: CheckpointedSteps): RunnerCheckpoints {
  return {
    dir,
    capture() {
      for (const op of steps.others) {
        if (op.hold() < WATERMARK_DONE) return { reason: "a step holds elements back (waiting for a side input)" };
      }
      const encoded: CheckpointFile["steps"] = {};
      try {
        for (const { name, op, fingerprint } of steps.grouped) encoded[name] = { f: fingerprint, s: encodeGroupedStep(op.checkpoint(), name) };
      } catch (error) {
        if (error instanceof NotCheckpointable) return { reason: error.message };
        throw error;
      }
      const file: CheckpointFile = { v: VERSION, steps: encoded };
      return { json: JSON.stringify(file) };
    },
    restore(json) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        return "it is not valid JSON";
      }
      const file = parsed as Partial<CheckpointFile> | null;
      if (file === null || typeof file !== "object" || file.v !== VERSION || typeof file.steps !== "object") {
        return `it is not a version ${VERSION} checkpoint`;
      }
      const saved = file.steps as CheckpointFile["steps"];
      const names = steps.grouped.map((g) => g.name);
      const missing = names.filter((n) => !(n in saved));
      const extra = Object.keys(saved).filter((n) => !names.includes(n));
      if (missing.length > 0 || extra.length > 0) {
        return `the pipeline's grouped steps changed (checkpoint: ${Object.keys(saved).join(", ") || "none"}; now: ${names.join(", ") || "none"})`;
      }
      const changed = steps.grouped.filter(({ name, fingerprint }) => saved[name]?.f !== fingerprint).map((g) => g.name);
      if (changed.length > 0) return `the windowing or combine of ${changed.join(", ")} changed`;
      // Decode every step before touching any: a damaged file restores nothing.
      let decoded: ReturnType<typeof decodeGroupedStep>[];
      try {
        decoded = steps.grouped.map(({ name }) => decodeGroupedStep(saved[name].s));
      } catch (error) {
        return `it is damaged (${error instanceof Error ? error.message : String(error)})`;
      }
      steps.grouped.forEach(({ op }, i) => op.restore(decoded[i]));
      return undefined;
    },
  };
}
