package local.beamts;

import org.apache.beam.model.pipeline.v1.RunnerApi;
import org.apache.beam.runners.core.construction.NativeTransforms;

/**
 * Our GroupByKey with a late-data output (transforms/windowed_combine.ts rewrites a windowed combine's
 * GroupByKey to it on Flink, runners/flink/late_output.ts): the transform's output {@link #GROUPED} is
 * GroupByKey's, {@link #LATE} carries every element the GroupByKey dropped (LateRecordEncoding). It is a
 * runner-side primitive (ServiceLoader: {@link IsNative}), so Beam's fuser leaves it to the job server's
 * translator (org.apache.beam.runners.flink.BeamTsStreamingTranslator).
 */
public final class GroupByKeyWithLate {
  public static final String URN = "beam-ts:transform:group_by_key_with_late:v1";
  /** The local names of the two outputs. */
  public static final String GROUPED = "grouped";

  public static final String LATE = "late";

  private GroupByKeyWithLate() {}

  /** Tells Beam's QueryablePipeline (and so the fuser) that our URN is a primitive the runner executes. */
  public static class IsNative implements NativeTransforms.IsNativeTransform {
    @Override
    public boolean test(RunnerApi.PTransform pTransform) {
      return URN.equals(pTransform.getSpec().getUrn());
    }
  }
}
