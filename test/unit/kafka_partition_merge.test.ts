/**
 * The deterministic merge of partitions (kafka_partition_merge.ts): the merged sequence and the watermark of each
 * step are a function of the partitions' records alone, however the records were split into fetched batches and
 * however often the merge was asked.
 */
import { PartitionMerge, PartitionQueue, type QueuedBatch } from "../../runners/direct/sources/kafka_partition_merge";

/** A record: "p<partition>@<offset>" with its event time. */
interface Rec {
  readonly id: string;
  readonly time: number;
}

function batch(records: readonly Rec[], moves: boolean[] | null = null): QueuedBatch<Rec> {
  return { records, times: records.map((r) => r.time), moves, next: 0, end: 0 };
}

function partitionRecords(partition: number, times: readonly number[]): Rec[] {
  return times.map((time, offset) => ({ id: `p${partition}@${offset}`, time }));
}

/** Runs a merge to its end, feeding each partition in chunks of `chunk` records when it blocks. */
function mergeAll(inputs: readonly Rec[][], chunk: number, limit: number, step: number): { order: string[]; steps: [string, number][] } {
  const merge = new PartitionMerge<Rec>({ stepRecords: step, watermarkDelay: 10 });
  const queues = inputs.map((_, p) => new PartitionQueue<Rec>(p));
  queues.forEach((q) => merge.add(q));
  const fed = inputs.map(() => 0);
  const order: string[] = [];
  const steps: [string, number][] = [];
  for (let guard = 0; guard < 100_000; guard++) {
    const stop = merge.merge(limit, (_q, b, i) => order.push(b.records[i].id));
    if (stop.kind === "step") {
      steps.push([order[order.length - 1], merge.endStep()]);
    } else if (stop.kind === "blocked") {
      const p = stop.on.partition;
      if (fed[p] < inputs[p].length) {
        queues[p].push(batch(inputs[p].slice(fed[p], fed[p] + chunk)));
        fed[p] += chunk;
      } else {
        merge.declareIdle(queues[p]);
        steps.push([order[order.length - 1] ?? "", merge.endStep()]);
      }
    } else if (stop.kind === "empty") {
      return { order, steps };
    }
  }
  throw new Error("the merge did not end");
}

describe("PartitionMerge", () => {
  const inputs = [
    partitionRecords(0, [1, 5, 9, 9, 30, 2, 40, 41]),
    partitionRecords(1, [3, 5, 6, 50, 51, 52]),
    partitionRecords(2, [9, 9, 10, 11, 60]),
  ];

  test("hands the lowest head first, ties to the lower partition", () => {
    const { order } = mergeAll(inputs, 100, Infinity, 1000);
    expect(order.slice(0, 9)).toEqual(["p0@0", "p1@0", "p0@1", "p1@1", "p1@2", "p0@2", "p0@3", "p2@0", "p2@1"]);
    expect(order).toHaveLength(19);
  });

  test("the same sequence and the same step watermarks whatever the fetch sizes and merge limits", () => {
    const reference = mergeAll(inputs, 100, Infinity, 4);
    for (const chunk of [1, 2, 3, 7]) {
      for (const limit of [1, 2, 5, Infinity]) {
        expect({ chunk, limit, ...mergeAll(inputs, chunk, limit, 4) }).toEqual({ chunk, limit, ...reference });
      }
    }
    // Steps end every 4 records; the watermark is the minimum over partitions of (largest time merged − 10).
    expect(reference.steps[0]).toEqual(["p1@1", Number.NEGATIVE_INFINITY]);
    expect(reference.steps[1]).toEqual(["p2@0", 6 - 10]);
  });

  test("an empty partition blocks until it is declared idle, then holds the watermark no longer", () => {
    const merge = new PartitionMerge<Rec>({ stepRecords: 100, watermarkDelay: 10 });
    const [a, b] = [new PartitionQueue<Rec>(0), new PartitionQueue<Rec>(1)];
    merge.add(a);
    merge.add(b);
    a.push(batch(partitionRecords(0, [100, 200])));
    const handed: string[] = [];
    const sink = (_q: PartitionQueue<Rec>, bt: QueuedBatch<Rec>, i: number): void => void handed.push(bt.records[i].id);
    expect(merge.merge(Infinity, sink)).toEqual({ kind: "blocked", on: b });
    expect(handed).toEqual([]);
    merge.declareIdle(b);
    expect(merge.merge(Infinity, sink)).toEqual({ kind: "blocked", on: a });
    expect(handed).toEqual(["p0@0", "p0@1"]);
    expect(merge.endStep()).toBe(190);
    // A record of the idle partition: it holds the watermark again (which never goes back).
    a.push(batch(partitionRecords(0, [300])));
    b.push(batch(partitionRecords(1, [50])));
    expect(merge.merge(Infinity, sink)).toEqual({ kind: "blocked", on: b });
    expect(handed.slice(2)).toEqual(["p1@0"]);
    expect(b.idle).toBe(false);
    expect(merge.endStep()).toBe(190);
  });

  test("records without an event time of their own do not move the watermark", () => {
    const merge = new PartitionMerge<Rec>({ stepRecords: 2, watermarkDelay: 0 });
    const q = new PartitionQueue<Rec>(0);
    merge.add(q);
    q.push(batch(partitionRecords(0, [5, 99]), [true, false]));
    expect(merge.merge(Infinity, () => undefined)).toEqual({ kind: "step" });
    expect(merge.endStep()).toBe(5);
  });

  test("a restored partition starts from its largest event time", () => {
    const merge = new PartitionMerge<Rec>({ stepRecords: 1, watermarkDelay: 10, initialWatermark: 70 });
    const q = new PartitionQueue<Rec>(0, 100);
    merge.add(q);
    expect(merge.watermark).toBe(70);
    q.push(batch(partitionRecords(0, [20])));
    merge.merge(Infinity, () => undefined);
    expect(merge.endStep()).toBe(90);
  });
});
