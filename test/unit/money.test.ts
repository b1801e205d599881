/** Exact money: amounts in whole cents, bounded, summed as integers, the average rounded once. */
import { amountCents, averageCents, formatCents, MAX_AMOUNT, parseSaleEvent, type SaleEvent } from "../../sales/sale_event";
import { salesStatsFn } from "../../sales/sales_stats";

const VALID = {
  event_id: "evt_1",
  user_id: "user_1",
  product_id: "prod_1",
  amount: 1,
  timestamp: "2026-11-27T19:43:23.120Z",
  event_type: "purchase",
};

function withAmount(amount: unknown): string {
  return JSON.stringify({ ...VALID, amount });
}

function reasonOf(raw: string): string {
  const r = parseSaleEvent(raw);
  return r.ok ? "accepted" : r.reason;
}

function sumOf(amounts: number[]): { sumCents: number; count: number; avgCents: number } {
  const fn = salesStatsFn();
  let acc = fn.createAccumulator();
  for (const amount of amounts) acc = fn.addInput(acc, { ...(VALID as unknown as SaleEvent), amount });
  const out = fn.extractOutput(acc);
  return { sumCents: out.sumCents, count: out.count, avgCents: out.avgCents };
}

describe("amounts", () => {
  test("1e308 is a dead letter naming the bound, not an Infinity sum", () => {
    expect(reasonOf(withAmount(1e308))).toBe("amount: expected at most 1000000 (MAX_AMOUNT), got 1e+308");
  });

  test("the bound itself is accepted, one cent more is not", () => {
    expect(reasonOf(withAmount(MAX_AMOUNT))).toBe("accepted");
    expect(reasonOf(withAmount(MAX_AMOUNT + 0.01))).toMatch(/^amount: expected at most 1000000/);
  });

  test("fractions of a cent are dead letters", () => {
    expect(reasonOf(withAmount(12.345))).toBe("amount: expected whole cents (at most two decimals), got 12.345");
    expect(reasonOf(withAmount(1e-7))).toMatch(/whole cents/);
    expect(reasonOf(withAmount(0.29))).toBe("accepted");
    expect(reasonOf(withAmount(999999.99))).toBe("accepted");
  });

  test("amountCents is exact for every cent value up to a dollar and for large values", () => {
    for (let c = 0; c <= 100_00; c++) {
      const r = parseSaleEvent(withAmount(c / 100));
      expect(r.ok && amountCents(r.event)).toBe(c);
    }
    expect(amountCents({ ...(VALID as unknown as SaleEvent), amount: 999999.99 })).toBe(99999999);
  });
});

describe("sums and averages", () => {
  test("0.1 + 0.2 is exactly 0.30 (doubles give 0.30000000000000004)", () => {
    expect(sumOf([0.1, 0.2])).toEqual({ sumCents: 30, count: 2, avgCents: 15 });
  });

  test("a million cents-sized amounts sum exactly, where a double sum drifts", () => {
    const amounts = Array.from({ length: 1_000_000 }, (_, i) => (i % 2 === 0 ? 0.1 : 0.07));
    let double = 0;
    for (const a of amounts) double += a;
    expect(double).not.toBe(85_000); // the naive double sum drifts off the exact cent total
    expect(sumOf(amounts).sumCents).toBe(8_500_000);
  });

  test("the average is rounded once, half up, from the exact sum", () => {
    expect(sumOf([0.01, 0.02]).avgCents).toBe(2); // 1.5 cents → 2
    expect(sumOf([0.01, 0.01, 0.02]).avgCents).toBe(1); // 1.33 cents → 1
    expect(sumOf([0.02, 0.02, 0.01]).avgCents).toBe(2); // 1.67 cents → 2
    expect(averageCents(0, 0)).toBe(0);
  });

  test("averageCents is exact near 2^53", () => {
    const big = Number.MAX_SAFE_INTEGER - 1; // 9007199254740990 = 3 × 3002399751580330
    expect(averageCents(big, 3)).toBe(3002399751580330);
    expect(averageCents(big - 1, 2)).toBe(4503599627370495); // .5 rounds up
  });

  test("formatCents", () => {
    expect(formatCents(0)).toBe("0.00");
    expect(formatCents(5)).toBe("0.05");
    expect(formatCents(12345)).toBe("123.45");
    expect(formatCents(-5)).toBe("-0.05");
    expect(formatCents(99999999)).toBe("999999.99");
  });
});
