/** Counters and distributions of one pipeline run (user metrics and the runner's own, e.g. droppedDueToLateness). */
export interface DistributionValue {
  count: number;
  sum: number;
  min: number;
  max: number;
}

export class Metrics {
  private readonly counterValues = new Map<string, number>();
  private readonly distributionValues = new Map<string, DistributionValue>();

  increment(name: string, by = 1): void {
    this.counterValues.set(name, (this.counterValues.get(name) ?? 0) + by);
  }

  record(name: string, value: number): void {
    const current = this.distributionValues.get(name);
    if (!current) {
      this.distributionValues.set(name, { count: 1, sum: value, min: value, max: value });
    } else {
      current.count += 1;
      current.sum += value;
      if (value < current.min) current.min = value;
      if (value > current.max) current.max = value;
    }
  }

  counters(): Record<string, number> {
    return Object.fromEntries(this.counterValues);
  }

  distributions(): Record<string, DistributionValue> {
    return Object.fromEntries([...this.distributionValues].map(([name, value]) => [name, { ...value }]));
  }
}
