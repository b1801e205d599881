package org.apache.beam.runners.flink;

import org.apache.beam.model.pipeline.v1.RunnerApi;
import org.apache.beam.runners.jobsubmission.JobInvocation;
import org.apache.beam.runners.jobsubmission.PortablePipelineRunner;
import org.apache.beam.vendor.guava.v26_0_jre.com.google.common.util.concurrent.ListeningExecutorService;

/** Beam's FlinkJobInvoker, running each job with BeamTsPipelineRunner (our translator) instead of FlinkPipelineRunner. */
public class BeamTsJobInvoker extends FlinkJobInvoker {
  private final FlinkJobServerDriver.FlinkServerConfiguration serverConfig;

  public BeamTsJobInvoker(FlinkJobServerDriver.FlinkServerConfiguration serverConfig) {
    super(serverConfig);
    this.serverConfig = serverConfig;
  }

  @Override
  protected JobInvocation createJobInvocation(
      String invocationId,
      String retrievalToken,
      ListeningExecutorService executorService,
      RunnerApi.Pipeline pipeline,
      FlinkPipelineOptions flinkOptions,
      PortablePipelineRunner pipelineRunner) {
    PortablePipelineRunner runner =
        pipelineRunner instanceof FlinkPipelineRunner
            ? new BeamTsPipelineRunner(
                flinkOptions,
                serverConfig.getFlinkConfDir(),
                org.apache.beam.runners.core.construction.resources.PipelineResources.detectClassPathResourcesToStage(
                    FlinkJobInvoker.class.getClassLoader(), flinkOptions))
            : pipelineRunner;
    return super.createJobInvocation(invocationId, retrievalToken, executorService, pipeline, flinkOptions, runner);
  }
}
