/**
 * The console sink: one line per element on stdout, formatted by the caller (the sales job's lines:
 * sales/console_lines.ts). Console output is not idempotent: a restart may print a pane again
 * (docs/guarantees.md).
 */
import "apache-beam";
import type { PCollection } from "apache-beam/pvalue";
import { parDo } from "apache-beam/transforms/pardo";
import { withName, type PTransform } from "apache-beam/transforms/transform";
import { requireForSerialization } from "apache-beam/serialization";

// The printing DoFn is serialized into the pipeline proto with what it references; `process` is a native global
// the serializer cannot copy, so it is registered as a builtin.
requireForSerialization("process", { process });

/** A sink printing one line per element with `format`. */
export function consoleSink<T>(name: string, format: (element: T) => string): PTransform<PCollection<T>, PCollection<never>> {
  return withName(
    name,
    parDo<T, never>({
      process: function printLine(element: T): never[] {
        process.stdout.write(format(element) + "\n");
        return [];
      },
    }),
  );
}
