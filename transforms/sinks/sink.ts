/** A sink: a transform that consumes a collection (what it returns is ignored). Every sink here is one. */
import "apache-beam";
import type { PCollection, PValue } from "apache-beam/pvalue";
import type { PTransform } from "apache-beam/transforms/transform";

/** A sink: consumes a collection (what it returns is ignored). */
export type Sink<T> = PTransform<PCollection<T>, PValue<unknown>>;
