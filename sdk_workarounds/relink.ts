/**
 * Re-links what deserializeFn returns so V8 can optimize it. The SDK's serializer (serialize-closures) rebuilds
 * each function with a direct `eval` inside its own scope and hands out a thunk that forwards every call with
 * `apply(this, arguments)`; such functions resolve even globals like JSON dynamically and are never inlined
 * (measured: a JSON-parsing map ran ~2.8× slower than the same function loaded normally). We rebuild every
 * deserialized function from its source with the Function constructor in global scope, passing its captured
 * variables (re-linked themselves) as parameters — the same function, the same captured objects, the same
 * prototype and properties, without the thunk. Builtins and functions registered by reference are kept as is.
 */
import "./index";
type Closure = Record<string, unknown>;
type AnyFunction = ((...args: unknown[]) => unknown) & Record<string, unknown>;

function isThunk(fn: AnyFunction): boolean {
  return typeof fn.__impl === "function" && typeof (fn.__impl as AnyFunction).__closure === "function";
}

export function relinkDeserialized<T>(root: T): T {
  const done = new Map<unknown, unknown>();
  const visit = (value: unknown): unknown => {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return value;
    const known = done.get(value);
    if (known !== undefined) return known;
    if (typeof value === "function") return relinkFunction(value as AnyFunction);
    done.set(value, value);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = visit(value[i]);
    } else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const descriptor = Object.getOwnPropertyDescriptor(record, key);
        if (descriptor && "value" in descriptor && descriptor.writable) record[key] = visit(record[key]);
      }
    } else {
      // Objects with a prototype (SDK params, class instances): relink their own data, keep their identity.
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const descriptor = Object.getOwnPropertyDescriptor(record, key);
        if (descriptor && "value" in descriptor && descriptor.writable && typeof record[key] === "function") {
          record[key] = visit(record[key]);
        }
      }
    }
    return value;
  };

  const relinkFunction = (thunk: AnyFunction): unknown => {
    if (!isThunk(thunk)) {
      done.set(thunk, thunk);
      return thunk;
    }
    const impl = thunk.__impl as AnyFunction;
    // Until rebuilt, self-references resolve to the thunk (still correct, just slower).
    done.set(thunk, thunk);
    const closure = (impl.__closure as () => Closure)() ?? {};
    const names = Object.keys(closure);
    const values = names.map((name) => visit(closure[name]));
    let rebuilt: AnyFunction;
    try {
      const factory = new Function(...names, `return (${Function.prototype.toString.call(impl)});`);
      rebuilt = factory(...values) as AnyFunction;
    } catch {
      return thunk; // not rebuildable from source (e.g. a bound or native-backed function): keep the thunk
    }
    if (impl.prototype !== undefined) rebuilt.prototype = impl.prototype;
    for (const key of Object.keys(thunk)) {
      if (key === "__impl") continue;
      try {
        rebuilt[key] = thunk[key];
      } catch {
        // read-only function property (name, length): skip
      }
    }
    // The rebuilt function's closure names the re-linked values (readers of __closure get the fast functions).
    const relinkedClosure: Closure = {};
    names.forEach((name, i) => (relinkedClosure[name] = values[i]));
    rebuilt.__closure = () => relinkedClosure;
    done.set(thunk, rebuilt);
    return rebuilt;
  };

  return visit(root) as T;
}
