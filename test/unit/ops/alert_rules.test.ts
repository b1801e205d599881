/** The alert rules file users load: valid YAML in Prometheus' rule-group shape, naming only exported metrics. */
import * as fs from "fs";
import * as path from "path";
import yaml from "js-yaml";
import { prometheusRegistry } from "../../../ops/prometheus";

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const RULES = path.resolve(__dirname, "../../../ops/prometheus-alerts.yml");

describe("ops/prometheus-alerts.yml", () => {
  test("one group of named rules with expressions, severities and summaries, on metrics the pipeline exports", async () => {
    const doc = yaml.load(fs.readFileSync(RULES, "utf8")) as { groups: Array<{ name: string; rules: Rule[] }> };
    expect(doc.groups).toHaveLength(1);
    const rules = doc.groups[0].rules;
    expect(rules.map((r) => r.alert)).toEqual([
      "PipelineDown",
      "PipelineNotReady",
      "WatermarkLagGrowing",
      "WatermarkLagHigh",
      "ConsumerLagGrowing",
      "DeadLetterRateHigh",
      "DroppedLateRateHigh",
      "SinkRetrying",
    ]);
    const exported = new Set(
      prometheusRegistry(() => undefined, { processMetrics: false, ready: () => true })
        .getMetricsAsArray()
        .map((m) => m.name),
    );
    for (const rule of rules) {
      expect([rule.alert, typeof rule.expr, rule.labels?.severity, typeof rule.annotations?.summary]).toEqual([
        rule.alert,
        "string",
        expect.stringMatching(/^(critical|warning)$/),
        "string",
      ]);
      expect(rule.for).toMatch(/^\d+m$/);
      for (const name of rule.expr.match(/\bpipeline_[a-z_]+/g) ?? []) expect([rule.alert, exported.has(name)]).toEqual([rule.alert, true]);
    }
  });
});
