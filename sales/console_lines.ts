/**
 * The sales job's console lines: one readable line per windowed result, late record and dead letter, on stdout
 * (printed by the generic console sink, transforms/sinks/console.ts).
 *
 *   [ON_TIME final #0] 2026-11-27 12:01:00–12:02:00Z  product prod_3   sum=1234.50 count=12 avg=102.88
 *   [LATE #1]          2026-11-27 12:01:00–12:02:00Z  product prod_3   sum=1300.10 count=13 avg=100.01
 *   [LATE DATA]  product prod_7 evt_42 at 12:00:15.120Z missed 12:00:00–12:01:00Z (watermark 12:03:10Z)
 *   (the watermark's date is printed too when it is not the event's day: "(watermark 2099-12-31 23:59:50Z)")
 *   [DEAD LETTER] sales_events/1@345: amount: expected a finite number, got "x" | {"event_id":"evt_9",...
 *
 * Console output is not idempotent: a restart may print a pane again (see docs/guarantees.md).
 */
import "apache-beam";
import type { PCollection } from "apache-beam/pvalue";
import type { PTransform } from "apache-beam/transforms/transform";
import { consoleSink } from "../transforms/sinks/console";
import { formatCents } from "./sale_event";

/** The parts of a windowed result the console prints. */
export interface PrintableResult {
  readonly key: string;
  readonly keyKind: string;
  readonly window: { readonly start: number; readonly end: number };
  readonly sumCents: number;
  readonly count: number;
  readonly avgCents: number;
  readonly pane: { readonly timing: string; readonly index: number; readonly isLast: boolean };
}

export interface PrintableLate {
  readonly key: string;
  readonly value: { readonly event_id?: string };
  readonly timestamp: number;
  readonly windows: ReadonlyArray<{ readonly start: number; readonly end: number }>;
  readonly watermark: number;
}

export interface PrintableDeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly reason: string;
  readonly excerpt: string;
}

function clock(ms: number): string {
  if (!Number.isFinite(ms)) return ms > 0 ? "+∞" : "−∞";
  return new Date(ms).toISOString().slice(11, 23).replace(/\.000$/, "");
}

function day(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : "";
}

export function formatResult(r: PrintableResult): string {
  const pane = `[${r.pane.timing}${r.pane.isLast ? " final" : ""} #${r.pane.index}]`.padEnd(20);
  const window = `${day(r.window.start)} ${clock(r.window.start)}–${clock(r.window.end)}Z`;
  const who = `${r.keyKind} ${r.key}`.padEnd(18);
  return `${pane}${window}  ${who} sum=${formatCents(r.sumCents)} count=${r.count} avg=${formatCents(r.avgCents)}`;
}

export function formatLate(l: PrintableLate): string {
  const missed = l.windows.map((w) => `${clock(w.start)}–${clock(w.end)}Z`).join(", ");
  const id = l.value.event_id ?? "?";
  // The watermark's date when it is another day than the event's (a watermark years ahead must show it).
  const watermarkDay = day(l.watermark) !== day(l.timestamp) && day(l.watermark) !== "" ? `${day(l.watermark)} ` : "";
  return `[LATE DATA]         ${l.key} ${id} at ${clock(l.timestamp)}Z missed ${missed} (watermark ${watermarkDay}${clock(l.watermark)}Z)`;
}

export function formatDeadLetter(d: PrintableDeadLetter): string {
  return `[DEAD LETTER]       ${d.topic}/${d.partition}@${d.offset}: ${d.reason} | ${d.excerpt}`;
}

export const consoleResults = (): PTransform<PCollection<PrintableResult>, PCollection<never>> =>
  consoleSink<PrintableResult>("printResults", formatResult);
export const consoleLate = (): PTransform<PCollection<PrintableLate>, PCollection<never>> =>
  consoleSink<PrintableLate>("printLateData", formatLate);
export const consoleDeadLetters = (): PTransform<PCollection<PrintableDeadLetter>, PCollection<never>> =>
  consoleSink<PrintableDeadLetter>("printDeadLetters", formatDeadLetter);
