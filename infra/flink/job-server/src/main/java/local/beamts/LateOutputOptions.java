package local.beamts;

import java.util.List;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsRegistrar;

/**
 * How a submitter tells our job server from Beam's own: this option is listed by the job service's
 * DescribePipelineOptions only where our jar is loaded (runners/flink/late_output.ts asks before it rewrites a
 * windowed combine's GroupByKey to GroupByKeyWithLate.URN).
 */
public interface LateOutputOptions extends PipelineOptions {
  @Description("beam-ts: this job server translates " + GroupByKeyWithLate.URN + " (a GroupByKey with a late-data output)")
  @Default.Boolean(true)
  boolean getBeamTsLateOutput();

  void setBeamTsLateOutput(boolean value);

  /** Registers the option (ServiceLoader). */
  class Registrar implements PipelineOptionsRegistrar {
    @Override
    public Iterable<Class<? extends PipelineOptions>> getPipelineOptions() {
      return List.of(LateOutputOptions.class);
    }
  }
}
