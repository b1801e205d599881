/**
 * Helpers of the submission rewrites (lifted_combines.ts, late_output.ts), which edit a copy of the pipeline proto:
 * fresh ids, component coders, and the one id of a transform's single input or output.
 */
import "apache-beam";
import * as runnerApi from "apache-beam/proto/beam_runner_api";

export interface ProtoEditor {
  /** An id `<prefix>_<tag>_<n>` not yet in `taken`. */
  newId(prefix: string, taken: Record<string, unknown>): string;
  /** Adds a coder with that URN and component coders; returns its id. */
  addCoder(urn: string, components: string[]): string;
}

export function protoEditor(components: runnerApi.Components, tag: string): ProtoEditor {
  let fresh = 0;
  const newId = (prefix: string, taken: Record<string, unknown>): string => {
    let id: string;
    do id = `${prefix}_${tag}_${++fresh}`;
    while (id in taken);
    return id;
  };
  const addCoder = (urn: string, componentCoderIds: string[]): string => {
    const id = newId("coder", components.coders);
    components.coders[id] = runnerApi.Coder.create({ spec: { urn, payload: new Uint8Array() }, componentCoderIds });
    return id;
  };
  return { newId, addCoder };
}

/** The one id of a transform's inputs or outputs; throws naming `what` when there are several or none. */
export function only(ids: Record<string, string>, what: string): string {
  const values = Object.values(ids);
  if (values.length !== 1) throw new Error(`${what}: expected one, got ${values.length}`);
  return values[0];
}
