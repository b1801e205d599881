/**
 * The run snapshot of a job seen from outside (Flink, Dataflow): its state, Beam's counters as the runner reports
 * them, and the figures of the sinks that run in this process (LOOPBACK workers). Steps, sources, grouped steps
 * and panes are not visible from here and stay empty (model/run_snapshot.ts). `snapshot()` is synchronous, as the
 * ops server and the progress line want it: it returns the last counters read and asks for new ones at most every
 * `refreshMs` (no timer of its own: nothing is read while nobody looks).
 */
import type { RunSnapshot, SinkSnapshot } from "../model/run_snapshot";

export interface OutsideSnapshotOptions {
  readonly state: () => RunSnapshot["state"];
  /** Beam's counters of the job (may reject while the job is not on the cluster yet). */
  readonly counters: () => Promise<Readonly<Record<string, number>>>;
  readonly sinkFigures?: () => readonly SinkSnapshot[];
  /** Default 2 s. */
  readonly refreshMs?: number;
}

/** Beam's standard source metric (KafkaIO's reader counts each record). */
const ELEMENTS_READ = "elements_read";

export function outsideSnapshot(o: OutsideSnapshotOptions): () => RunSnapshot {
  let counters: Readonly<Record<string, number>> = {};
  let askedAt = -Infinity;
  let asking = false;
  return () => {
    const now = Date.now();
    if (!asking && now - askedAt >= (o.refreshMs ?? 2_000)) {
      asking = true;
      askedAt = now;
      o.counters().then(
        (c) => {
          counters = c;
          asking = false;
        },
        () => (asking = false),
      );
    }
    return {
      at: now,
      state: o.state(),
      elementsRead: counters[ELEMENTS_READ] ?? 0,
      counters,
      steps: [],
      sources: [],
      grouped: [],
      recentPanes: [],
      sinks: o.sinkFigures?.() ?? [],
    };
  };
}
