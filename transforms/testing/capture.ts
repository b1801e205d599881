/**
 * Captures a collection's outputs (value, timestamp, window, pane) for pane-level assertions. The capturing DoFn
 * is serialized into the pipeline proto like any DoFn, so it carries only an id; the elements land in a
 * process-global registry under that id (the direct runner executes in this process).
 *
 *   const sums = paneCapture<KV<string, number>>("sums");
 *   ...results.apply(sums.capture());
 *   await runner.run(...);
 *   assertPanes(sums).inOnTimePane(window(BEGINNING, minutes(1))).containsInAnyOrder(...);
 */
import "apache-beam";
import { parDo, paneInfoParam, timestampParam, windowParam } from "apache-beam/transforms/pardo";
import { withName } from "apache-beam/transforms/transform";
import type { PCollection } from "apache-beam/pvalue";
import type { Instant, PaneInfo, Window as SdkWindow } from "apache-beam/values";
import type { CapturedElement } from "./captured";

const REGISTRY_KEY = "__beamTsPaneCaptures";
let counter = 0;

type Registry = Map<string, CapturedElement<unknown>[]>;

function registry(): Registry {
  const holder = globalThis as unknown as Record<string, Registry | undefined>;
  let found = holder[REGISTRY_KEY];
  if (!found) {
    found = new Map();
    holder[REGISTRY_KEY] = found;
  }
  return found;
}

interface CaptureContext {
  readonly window: { lookup(): SdkWindow };
  readonly timestamp: { lookup(): Instant };
  readonly pane: { lookup(): PaneInfo };
}

export interface PaneCapture<T> {
  readonly id: string;
  readonly name: string;
  /** The sink transform that records every element of the collection it is applied to. */
  capture(): (input: PCollection<T>) => PCollection<never>;
  /** Everything captured so far, in arrival order. */
  elements(): CapturedElement<T>[];
  /** Forgets what was captured (the registry entry too). */
  clear(): void;
}

export function paneCapture<T>(name = "capture"): PaneCapture<T> {
  const id = `${name}#${process.pid}#${++counter}#${Math.random().toString(36).slice(2)}`;
  registry().set(id, []);
  return {
    id,
    name,
    capture() {
      const captureId = id;
      const registryKey = REGISTRY_KEY;
      return withName(`capture(${name})`, (input: PCollection<T>) =>
        input.apply(
          parDo<T, never, CaptureContext>(
            {
              process: function captureElement(value: T, context: CaptureContext): void {
                const window = context.window.lookup() as unknown as {
                  start?: { toNumber(): number };
                  end?: { toNumber(): number };
                };
                const pane = context.pane.lookup();
                // `globalThis` itself cannot be serialized into the proto; the Function builtin can.
                const holder = Function("return globalThis")() as Record<string, Map<string, unknown[]> | undefined>;
                let captures = holder[registryKey];
                if (!captures) {
                  captures = new Map();
                  holder[registryKey] = captures;
                }
                let list = captures.get(captureId);
                if (!list) {
                  list = [];
                  captures.set(captureId, list);
                }
                list.push({
                  value,
                  timestamp: context.timestamp.lookup().toNumber(),
                  window:
                    window.start && window.end
                      ? { start: window.start.toNumber(), end: window.end.toNumber() }
                      : { start: -9223372036854775, end: 9223371950454776, global: true },
                  pane: {
                    timing: String(pane.timing),
                    isFirst: pane.isFirst,
                    isLast: pane.isLast,
                    index: pane.index,
                    nonSpeculativeIndex: pane.onTimeIndex,
                  },
                });
              },
            },
            { window: windowParam(), timestamp: timestampParam(), pane: paneInfoParam() },
          ),
        ),
      );
    },
    elements(): CapturedElement<T>[] {
      return [...((registry().get(id) ?? []) as CapturedElement<T>[])];
    },
    clear(): void {
      registry().set(id, []);
    },
  };
}
