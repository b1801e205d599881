/**
 * What DoFns see and can do on the direct runner: the SDK's window/timestamp/pane parameters (Long instants,
 * IntervalWindow, PaneInfo), side inputs, split into tagged outputs, counters, module-level names in closures,
 * and the SDK's own groupByKey/combining with full windowing semantics.
 */
import * as beam from "apache-beam";
import Long from "long";
import { IntervalWindow } from "apache-beam/values";
import type { Instant, PaneInfo, Window as SdkWindow } from "apache-beam/values";
import { sum as sdkSum } from "apache-beam/transforms/combiners";
import { groupByKey } from "apache-beam/transforms/internal";
import {
  BEGINNING,
  assertPanes,
  directRunner,
  fixedWindows,
  minutes,
  paneCapture,
  testStream,
  window,
  windowInto,
} from "../../transforms";
import { CROISSANT, ESPRESSO, sale, type Sale } from "./support";

const FIRST = window(BEGINNING, minutes(10));
const SECOND = window(minutes(10), minutes(20));

/** Module-level names used inside DoFns: they are serialized into the proto with the closure. */
const VAT_RATE = 0.2;
function withVat(amount: number): number {
  return Math.round(amount * (1 + VAT_RATE) * 100) / 100;
}
const PRICE_LIST: Record<string, number> = { espresso: 2.5, croissant: 3 };

test("DoFn parameters are the SDK's values: IntervalWindow with Long bounds, Long timestamp, PaneInfo", async () => {
  const seen = paneCapture<string>("seen");
  await directRunner().run((root) => {
    root
      .apply(testStream<Sale>().addElements(sale(ESPRESSO, 1, minutes(3))).advanceWatermarkToInfinity())
      .apply(windowInto<Sale>(fixedWindows(minutes(10))))
      .map(beam.withName("keyed", (s: Sale) => ({ key: s.product, value: s.amount })))
      .apply(beam.groupBy("key"))
      .apply(
        beam.parDo(
          {
            process: function describe(
              element: unknown,
              context: { window: { lookup(): SdkWindow }; timestamp: { lookup(): Instant }; pane: { lookup(): PaneInfo } },
            ) {
              const w = context.window.lookup();
              const ts = context.timestamp.lookup();
              const pane = context.pane.lookup();
              const interval = w instanceof IntervalWindow;
              const start = interval ? (w as IntervalWindow).start.toNumber() : NaN;
              return [`${interval}|${start}|${w.maxTimestamp().toNumber()}|${ts.toNumber()}|${pane.timing}|${pane.isFirst}|${pane.isLast}|${pane.onTimeIndex}`];
            },
          },
          { window: beam.windowParam(), timestamp: beam.timestampParam(), pane: beam.paneInfoParam() },
        ),
      )
      .apply(seen.capture());
  });
  assertPanes(seen).containsInAnyOrder(`true|0|${minutes(10) - 1}|${minutes(10) - 1}|ON_TIME|true|true|0`);
});

test("side inputs: a singleton from create() is visible to every element once it is complete", async () => {
  const priced = paneCapture<number>("priced");
  await directRunner().run((root) => {
    const prices = root.apply(beam.withName("prices", beam.create([PRICE_LIST])));
    // (The SDK cannot mix a bounded side input with an unbounded main input, so the main input is a create too.)
    root
      .apply(beam.withName("sales", beam.create([{ product: ESPRESSO, amount: 2 }, { product: CROISSANT, amount: 1 }])))
      .map(
        beam.withName("price", (s: Sale, context: { prices: { lookup(): Record<string, number> } }) =>
          withVat(context.prices.lookup()[s.product] * s.amount),
        ),
        { prices: beam.singletonSideInput(prices) },
      )
      .apply(priced.capture());
  });
  assertPanes(priced).containsInAnyOrder(withVat(5), withVat(3));
});

test("split sends each element to the collection of its tag; counters count", async () => {
  const big = paneCapture<Sale>("big");
  const small = paneCapture<Sale>("small");
  const result = await directRunner().run((root) => {
    const parts = root
      .apply(testStream<Sale>().addElements(sale(ESPRESSO, 1, minutes(1)), sale(ESPRESSO, 50, minutes(2)), sale(CROISSANT, 70, minutes(3))).advanceWatermarkToInfinity())
      .map(
        beam.withName("tag", (s: Sale, context: { bigSales: { increment(n?: number): void } }): { big: Sale; small: Sale } => {
          if (s.amount >= 10) context.bigSales.increment();
          return (s.amount >= 10 ? { big: s } : { small: s }) as unknown as { big: Sale; small: Sale };
        }),
        { bigSales: beam.counter("bigSales") },
      )
      .apply(beam.split<{ big: Sale; small: Sale }>(["big", "small"]));
    parts.big.apply(big.capture());
    parts.small.apply(small.capture());
  });
  assertPanes(big).containsInAnyOrder({ product: ESPRESSO, amount: 50 }, { product: CROISSANT, amount: 70 });
  assertPanes(small).containsInAnyOrder({ product: ESPRESSO, amount: 1 });
  expect((await result.counters()).bigSales).toBe(2);
});

test("the SDK's groupBy().combining() gets full windowing: panes per window and dropped data counted", async () => {
  const totals = paneCapture<{ product: string; total: number }>("totals");
  const result = await directRunner().run((root) => {
    root
      .apply(
        testStream<Sale>()
          .addElements(sale(ESPRESSO, 1, minutes(1)), sale(CROISSANT, 2, minutes(4)), sale(ESPRESSO, 4, minutes(12)))
          .advanceWatermarkTo(minutes(20))
          .addElements(sale(ESPRESSO, 8, minutes(5)))
          .advanceWatermarkToInfinity(),
      )
      .apply(windowInto<Sale>(fixedWindows(minutes(10))))
      .map(beam.withName("priced", (s: Sale) => ({ product: s.product, amount: withVat(s.amount) })))
      .apply(beam.groupBy("product").combining("amount", sdkSum, "total"))
      .apply(totals.capture());
  });
  assertPanes(totals).inOnTimePane(FIRST).containsInAnyOrder({ product: ESPRESSO, total: withVat(1) }, { product: CROISSANT, total: withVat(2) });
  assertPanes(totals).inOnTimePane(SECOND).containsInAnyOrder({ product: ESPRESSO, total: withVat(4) });
  expect((await result.counters()).droppedDueToLateness).toBe(1);
});

test("multiple keys and windows in flight: each (key, window) fires on its own when the watermark passes", async () => {
  const totals = paneCapture<{ key: string; value: number[] }>("totals");
  await directRunner().run((root) => {
    root
      .apply(
        testStream<Sale>()
          .addElements(sale(ESPRESSO, 1, minutes(1)), sale(CROISSANT, 2, minutes(11)), sale(ESPRESSO, 3, minutes(21)))
          .addElements(sale(CROISSANT, 4, minutes(2)), sale(ESPRESSO, 5, minutes(12)))
          .advanceWatermarkTo(minutes(10))
          .addElements(sale(CROISSANT, 6, minutes(13)))
          .advanceWatermarkTo(minutes(20))
          .addElements(sale(ESPRESSO, 7, minutes(25)))
          .advanceWatermarkToInfinity(),
      )
      .apply(windowInto<Sale>(fixedWindows(minutes(10))))
      .map(beam.withName("kv", (s: Sale) => ({ key: s.product, value: s.amount })))
      .apply(groupByKey())
      .map(beam.withName("sorted", (kv: { key: string; value: Iterable<number> }) => ({ key: kv.key, value: [...kv.value].sort((a, b) => a - b) })))
      .apply(totals.capture());
  });
  assertPanes(totals).inOnTimePane(FIRST).containsInAnyOrder({ key: ESPRESSO, value: [1] }, { key: CROISSANT, value: [4] });
  assertPanes(totals).inOnTimePane(SECOND).containsInAnyOrder({ key: ESPRESSO, value: [5] }, { key: CROISSANT, value: [2, 6] });
  assertPanes(totals).inOnTimePane(window(minutes(20), minutes(30))).containsInAnyOrder({ key: ESPRESSO, value: [3, 7] });
  expect(totals.elements()).toHaveLength(5);
});

test("a DoFn that throws fails the run with its error", async () => {
  await expect(
    directRunner().run((root) => {
      root
        .apply(testStream<Sale>().addElements(sale(ESPRESSO, 1, minutes(1)), sale(CROISSANT, -1, minutes(2))).advanceWatermarkToInfinity())
        .map(
          beam.withName("validate", (s: Sale) => {
            if (s.amount < 0) throw new Error(`negative amount for ${s.product}`);
            return s;
          }),
        );
    }),
  ).rejects.toThrow("negative amount for croissant");
});

test("side inputs per window: an iterable side input shows only the side elements of the element's window", async () => {
  interface Event {
    readonly kind: "promo" | "order";
    readonly at: number;
    readonly text: string;
  }
  const seen = paneCapture<string>("seen");
  await directRunner().run((root) => {
    const events = root
      .apply(
        beam.create<Event>([
          { kind: "promo", at: minutes(1), text: "2x1" },
          { kind: "promo", at: minutes(12), text: "free refill" },
          { kind: "order", at: minutes(3), text: "a" },
          { kind: "order", at: minutes(14), text: "b" },
        ]),
      )
      .apply(beam.assignTimestamps((e: Event) => Long.fromNumber(e.at)))
      .apply(windowInto<Event>(fixedWindows(minutes(10))));
    const promos = events.flatMap(beam.withName("promos", (e: Event) => (e.kind === "promo" ? [e.text] : [])));
    events
      .flatMap(beam.withName("orders", (e: Event) => (e.kind === "order" ? [e.text] : [])))
      .map(
        beam.withName("withPromos", (id: string, context: { promos: { lookup(): Iterable<string> } }) =>
          `${id}:${[...context.promos.lookup()].join("+")}`,
        ),
        { promos: beam.iterableSideInput(promos) },
      )
      .apply(seen.capture());
  });
  assertPanes(seen).inWindow(FIRST).containsInAnyOrder("a:2x1");
  assertPanes(seen).inWindow(SECOND).containsInAnyOrder("b:free refill");
});
