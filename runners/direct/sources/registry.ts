/**
 * Sources in the pipeline proto are leaf transforms whose URN maps to a factory registered here. TestStream
 * and Impulse register themselves with the runner; the Kafka source registers its own URN when its module is
 * imported (it must be imported by the code that builds the pipeline, which it always is).
 */
import type * as runnerApi from "apache-beam/proto/beam_runner_api";
import type { UnboundedSource } from "./source";

/** What a source factory may need besides its payload. */
export interface SourceFactoryContext {
  readonly transformId: string;
  readonly transform: runnerApi.PTransform;
  /** The pipeline's components (coders, windowing strategies), e.g. to decode a coder named in the payload. */
  readonly components: runnerApi.Components;
}

export type SourceFactory = (payload: Uint8Array, context: SourceFactoryContext) => UnboundedSource<unknown>;

const factories = new Map<string, SourceFactory>();

/** Registers the factory for a source URN. Registering the same URN twice replaces the factory. */
export function registerSource(urn: string, factory: SourceFactory): void {
  factories.set(urn, factory);
}

/** The factory for a URN, or undefined when nothing registered it. */
export function sourceFactoryFor(urn: string): SourceFactory | undefined {
  return factories.get(urn);
}

/** The registered source URNs (for error messages). */
export function registeredSourceUrns(): string[] {
  return [...factories.keys()].sort();
}
