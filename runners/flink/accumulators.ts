/**
 * Beam's metrics on Flink: the Flink runner keeps every Beam metric (the TypeScript workers' user counters and
 * the runner's own, e.g. LateDataDroppingDoFnRunner's droppedDueToLateness) in one Flink accumulator,
 * `__metricscontainers`, whose value is the MonitoringInfos as JSON. Flink's REST API serves it also after the
 * job has finished (vertex metrics are gone by then).
 */
import { getJson } from "../../lib/flink_rest";

interface MonitoringInfoJson {
  readonly urn: string;
  readonly payload?: string;
  readonly labels?: Record<string, string>;
}

interface AccumulatorsJson {
  readonly "user-task-accumulators"?: Array<{ name: string; value: string }>;
}

/** Beam's varint (unsigned LEB128, as sum_int64 payloads are written), as a JS number. */
export function decodeVarint(bytes: Uint8Array): number {
  let result = 0;
  let scale = 1;
  for (const b of bytes) {
    result += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) break;
    scale *= 128;
  }
  return result;
}

/**
 * User counters (sum_int64) by name, summed over steps: what the accumulator JSON holds; undefined when it has no
 * `__metricscontainers` accumulator (yet: Flink serves it a moment after the job has finished).
 */
export function countersFromAccumulators(accumulators: AccumulatorsJson): Record<string, number> | undefined {
  const counters: Record<string, number> = {};
  const all = (accumulators["user-task-accumulators"] ?? []).filter((a) => a.name === "__metricscontainers");
  if (all.length === 0) return undefined;
  for (const acc of all) {
    const parsed = JSON.parse(acc.value) as { metrics?: { attempted?: MonitoringInfoJson[] } };
    for (const info of parsed.metrics?.attempted ?? []) {
      const name = info.labels?.NAME;
      if (info.urn !== "beam:metric:user:sum_int64:v1" || name === undefined || info.payload === undefined) continue;
      counters[name] = (counters[name] ?? 0) + decodeVarint(new Uint8Array(Buffer.from(info.payload, "base64")));
    }
  }
  return counters;
}

/**
 * The job's counters; waits up to `waitMs` for Flink to publish the accumulator of a finished job (a job the job
 * server reports done may still be finishing on the JobManager, with the last bundles' counts not yet in it).
 */
export async function jobCounters(restUrl: string, jid: string, waitMs = 10_000): Promise<Record<string, number>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const state = (await getJson<{ state: string }>(`${restUrl}/jobs/${jid}`)).state;
    if (!["FINISHED", "CANCELED", "FAILED"].includes(state) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    const counters = countersFromAccumulators(await getJson<AccumulatorsJson>(`${restUrl}/jobs/${jid}/accumulators`));
    if (counters !== undefined) return counters;
    if (Date.now() > deadline) return {};
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
