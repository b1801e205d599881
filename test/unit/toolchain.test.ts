/**
 * The compiler every entry point uses (tools/transpile.js): closures must survive Beam's serialization, and the
 * array-destructuring guard must keep every element that ts-closure-transform 0.1.8 would otherwise drop.
 */
import { serializeFn, deserializeFn } from "apache-beam/internal/serialize";
import { DROPPED_DUE_TO_LATENESS } from "../../model/late_record";

const COUNTERS_BY_NAME = { [DROPPED_DUE_TO_LATENESS]: "late" };

const MULTIPLIER = 7;
function scaled(x: number): number {
  return x * MULTIPLIER;
}

function scaledAll(xs: number[]): string {
  return xs.map((x) => scaled(x)).join(",");
}

function addTo(k: number): (n: number) => number {
  return (n: number) => n + k;
}

describe("closure-transforming compiler", () => {
  it("serializes a function that references module-level names", () => {
    const restored = deserializeFn(serializeFn({ fn: (x: number) => scaled(x) + 1 })) as {
      fn: (x: number) => number;
    };
    expect(restored.fn(3)).toBe(22);
  });

  it("serializes a module-level function whose body creates a nested closure (no free temporary on the worker)", () => {
    // On a worker (Flink, Dataflow) the function is rebuilt from its source alone: before the closure-temporary
    // guard its nested arrow assigned a module-level `_tct_transform_N` that the rebuilt code does not have.
    const restored = deserializeFn(serializeFn({ fn: scaledAll })) as { fn: (xs: number[]) => string };
    expect(restored.fn([1, 2])).toBe("7,14");
    expect((scaledAll as unknown as { toString(): string }).toString()).not.toMatch(/_tct_transform_\d+\s*=[^=]/);
  });

  it("a nested arrow that captures a name keeps a function name (the SDK names `.map(arrow)` steps by it)", () => {
    // With the guard's first form, `((_tct_fn) => …)(arrow)`, the arrow lost the name its temporary's assignment gave
    // it, and `pcoll.map((n) => n + k)` threw "Unable to deduce name, please use withName(...)".
    const adder = addTo(2);
    expect(adder.name).not.toBe("");
    expect(adder(3)).toBe(5);
    expect((deserializeFn(serializeFn({ fn: addTo })) as { fn: (k: number) => (n: number) => number }).fn(4)(1)).toBe(5);
  });

  it("keeps every element of an array destructuring declaration", () => {
    const pair: [string, number] = ["a", 2];
    const [name, count] = pair;
    function* digits(): Generator<number> {
      yield 1;
      yield 2;
      yield 3;
    }
    const [first, , third = 9, ...rest] = [10, 20, undefined, 40, 50];
    const [one, two] = digits();
    expect([name, count, first, third, rest, one, two]).toEqual(["a", 2, 10, 9, [40, 50], 1, 2]);
  });

  it("keeps destructured names inside serialized closures", () => {
    const restored = deserializeFn(
      serializeFn({
        fn: (kv: [string, number]) => {
          const [k, v] = kv;
          return `${k}=${v * MULTIPLIER}`;
        },
      }),
    ) as { fn: (kv: [string, number]) => string };
    expect(restored.fn(["x", 2])).toBe("x=14");
  });
});

describe("closure-transform guards", () => {
  it("reads a captured, reassigned variable through a shorthand property", () => {
    let sent = 0;
    const send = (): void => {
      sent += 1;
    };
    send();
    send();
    expect({ sent }).toEqual({ sent: 2 });
  });

  it("resolves an imported name used as a computed key at module level", () => {
    expect(COUNTERS_BY_NAME).toEqual({ droppedDueToLateness: "late" });
  });

  it("refuses to compile a closure over a for-let loop variable, saying what to write instead", () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { transpile } = require("../../tools/transpile") as { transpile: (s: string, f: string) => string };
    const source = "const fs = []; for (let i = 0; i < 3; i++) { fs.push(() => i); }";
    expect(() => transpile(source, "loop.ts")).toThrow(/loop.ts:1:\d+: a closure captures the for-loop variable 'i'.*for…of/);
    expect(() => transpile("let t = 0; for (let i = 0; i < 3; i++) { t += i; }", "plain.ts")).not.toThrow();
  });
});
