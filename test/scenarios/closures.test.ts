/**
 * DoFns are serialized into the pipeline proto with everything they reference. Module-level constants, helper
 * functions calling each other, lookup tables, objects made by factories, and functions imported from another
 * module all work.
 */
import * as beam from "apache-beam";
import { BEGINNING, assertPanes, directRunner, fixedWindows, minutes, paneCapture, testStream, window, windowInto, windowedCombine } from "../../transforms";
import { parseSaleEvent, serializeSaleEvent, type SaleEvent } from "../../sales/sale_event";
import { kv, sum } from "./support";

const DISCOUNT = 0.5;
const CATEGORY: Record<string, string> = { "p-espresso": "coffee", "p-latte": "coffee", "p-croissant": "bakery" };

function discounted(amount: number): number {
  return amount * (1 - DISCOUNT);
}

function categoryOf(event: SaleEvent): string {
  return CATEGORY[event.product_id] ?? "other";
}

// (Class instances cannot be serialized by the SDK's serializer; closures over factories can.)
function rounder(digits: number): { round(n: number): number } {
  const factor = 10 ** digits;
  return { round: (n: number) => Math.round(n * factor) / factor };
}
const CENTS = rounder(2);

function purchase(product: string, amount: number, at: number) {
  const event: SaleEvent = {
    event_id: `${product}-${at}`,
    user_id: "u-alice",
    product_id: product,
    amount,
    timestamp: new Date(at).toISOString(),
    event_type: "purchase",
  };
  return { value: serializeSaleEvent(event), timestamp: at };
}

test("module-level names and imported functions inside DoFns survive serialization", async () => {
  const totals = paneCapture<{ key: string; value: number }>("totals");
  await directRunner().run((root) => {
    root
      .apply(
        testStream<string>()
          .addElements(purchase("p-espresso", 2.5, minutes(1)), purchase("p-latte", 3.25, minutes(2)), purchase("p-croissant", 1.99, minutes(3)))
          .advanceWatermarkToInfinity(),
      )
      .flatMap(
        beam.withName("parse", (raw: string) => {
          const parsed = parseSaleEvent(raw);
          return parsed.ok ? [parsed.event] : [];
        }),
      )
      .apply(windowInto<SaleEvent>(fixedWindows(minutes(10))))
      .apply(
        windowedCombine({
          key: categoryOf,
          value: (event: SaleEvent) => CENTS.round(discounted(event.amount) * 100),
          combineFn: sum,
        }),
      )
      .results.map(beam.withName("toEuros", (r: { key: string; value: number }) => ({ key: r.key, value: CENTS.round(r.value / 100) })))
      .apply(totals.capture());
  });
  assertPanes(totals)
    .inOnTimePane(window(BEGINNING, minutes(10)))
    .containsInAnyOrder(kv("coffee", CENTS.round(discounted(2.5) + discounted(3.25))), kv("bakery", CENTS.round(discounted(1.99))));
});
