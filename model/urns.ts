/** The transform URNs the direct runner recognizes (the SDK's, Beam's standard ones, and our own). */
export const IMPULSE_URN = "beam:transform:impulse:v1";
export const PAR_DO_URN = "beam:transform:pardo:v1";
export const FLATTEN_URN = "beam:transform:flatten:v1";
export const GROUP_BY_KEY_URN = "beam:transform:group_by_key:v1";
export const COMBINE_PER_KEY_URN = "beam:transform:combine_per_key:v1";
/** A lifted combine's three steps (Beam's standard URNs; runners/flink/lifted_combines.ts puts them in). */
export const PRECOMBINE_URN = "beam:transform:combine_per_key_precombine:v1";
export const MERGE_ACCUMULATORS_URN = "beam:transform:combine_per_key_merge_accumulators:v1";
export const EXTRACT_OUTPUTS_URN = "beam:transform:combine_per_key_extract_outputs:v1";
export const TEST_STREAM_URN = "beam:transform:teststream:v1";
/** Beam's Reshuffle: Flink's portable translator runs it as a rebalance (round-robin to the next operator). */
export const RESHUFFLE_URN = "beam:transform:reshuffle:v1";
/** Our windowed combine composite: one grouped step with a results output and a late-data output. */
export const WINDOWED_COMBINE_URN = "beam-ts:transform:windowed_combine_per_key:v1";

/** DoFn URNs inside a ParDoPayload (apache-beam/internal/urns). */
export const SERIALIZED_JS_DOFN_INFO = "beam:dofn:serialized_js_dofn_info:v1";
export const IDENTITY_DOFN_URN = "beam:dofn:identity:0.1";
export const SPLITTING_JS_DOFN_URN = "beam:dofn:splitting_dofn:v1";
export const JS_WINDOW_INTO_DOFN_URN = "beam:dofn:js_window_into:v1";
export const JS_ASSIGN_TIMESTAMPS_DOFN_URN = "beam:dofn:js_assign_timestamps:v1";
export const SERIALIZED_JS_COMBINEFN_INFO = "beam:dofn:serialized_js_combinefn_info:v1";

/** Side-input window mapping fns. */
export const GLOBAL_WINDOW_MAPPING_FN_URN = "beam:window_mapping_fn:global:v1";
export const IDENTITY_WINDOW_MAPPING_FN_URN = "beam:window_mapping_fn:identity:v1";
export const ASSIGN_MAX_TIMESTAMP_WINDOW_MAPPING_FN_URN = "beam:window_mapping_fn:assign_max_timestamp:v1";

/**
 * Async DoFns (transforms/async_pardo.ts) carry this PTransform annotation. A portable runner's submission gives
 * such a ParDo's DoFn spec the URN AWAITING_JS_DOFN_URN (same serialized payload; the transform stays a ParDo:
 * Beam's Java fuser silently drops leaf transforms with URNs it does not know). Our SDK-worker operator
 * (sdk_workarounds/awaiting_pardo_operator.ts) executes it: it awaits the promises `process` and `finishBundle`
 * return before the bundle completes (the SDK's own ParDo operator iterates the returned value, cannot await it).
 */
export const ASYNC_DOFN_ANNOTATION = "beam-ts:async_dofn";
export const AWAITING_JS_DOFN_URN = "beam-ts:dofn:awaiting_serialized_js_dofn_info:v1";
