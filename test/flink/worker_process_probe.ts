/**
 * A step for the PROCESSES-environment test (flink.test.ts): it tells the pool (process.send, relayed to the
 * runner's onWorkerMessage) which process handled each key and what it summed. Registered for serialization by
 * reference, so the worker processes run their own copy (they load this module, not the test file).
 */
import { requireForSerialization } from "apache-beam/serialization";

export interface ProbeMessage {
  readonly pid: number;
  readonly key: string;
  readonly sum: number;
}

export function reportSum(kv: { key: string; value: Iterable<number> }): { key: string; sum: number } {
  let sum = 0;
  for (const v of kv.value) sum += v;
  const message: ProbeMessage = { pid: process.pid, key: kv.key, sum };
  process.send?.(message);
  return { key: kv.key, sum };
}

requireForSerialization(__filename, { reportSum });
