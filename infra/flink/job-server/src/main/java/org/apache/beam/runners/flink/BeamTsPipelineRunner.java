package org.apache.beam.runners.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.model.pipeline.v1.RunnerApi;
import org.apache.beam.model.pipeline.v1.RunnerApi.Pipeline;
import org.apache.beam.runners.core.construction.PTransformTranslation;
import org.apache.beam.runners.core.construction.graph.ExecutableStage;
import org.apache.beam.runners.core.construction.graph.GreedyPipelineFuser;
import org.apache.beam.runners.core.construction.graph.ProtoOverrides;
import org.apache.beam.runners.core.construction.graph.SplittableParDoExpander;
import org.apache.beam.runners.core.construction.graph.TrivialNativeTransformExpander;
import org.apache.beam.runners.core.metrics.MetricsPusher;
import org.apache.beam.runners.fnexecution.provisioning.JobInfo;
import org.apache.beam.runners.fnexecution.translation.PipelineTranslatorUtils;
import org.apache.beam.runners.jobsubmission.PortablePipelineResult;
import org.apache.beam.runners.jobsubmission.PortablePipelineRunner;
import org.apache.beam.sdk.metrics.MetricsEnvironment;
import org.apache.beam.sdk.metrics.MetricsOptions;
import org.apache.beam.sdk.options.SdkHarnessOptions;
import org.apache.flink.api.common.JobExecutionResult;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * FlinkPipelineRunner (Beam 2.49) with BeamTsStreamingTranslator for streaming jobs; batch jobs go to Beam's own
 * runner unchanged. The jar with our operators is staged with every job (the TaskManagers need its classes, and
 * the cluster may not have them on its classpath).
 */
public class BeamTsPipelineRunner implements PortablePipelineRunner {
  private final FlinkPipelineOptions pipelineOptions;
  private final @Nullable String confDir;
  private final List<String> filesToStage;

  public BeamTsPipelineRunner(FlinkPipelineOptions pipelineOptions, @Nullable String confDir, List<String> filesToStage) {
    this.pipelineOptions = pipelineOptions;
    this.confDir = pipelineOptions.getFlinkConfDir() != null ? pipelineOptions.getFlinkConfDir() : confDir;
    List<String> files = new ArrayList<>(filesToStage);
    String ours = BeamTsPipelineRunner.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    if (!files.contains(ours)) files.add(ours);
    this.filesToStage = files;
  }

  @Override
  public PortablePipelineResult run(final Pipeline pipeline, JobInfo jobInfo) throws Exception {
    if (!pipelineOptions.isStreaming() && !PipelineTranslatorUtils.hasUnboundedPCollections(pipeline)) {
      return new FlinkPipelineRunner(pipelineOptions, confDir, filesToStage).run(pipeline, jobInfo);
    }
    MetricsEnvironment.setMetricsSupported(false);
    SdkHarnessOptions.getConfiguredLoggerFromOptions(pipelineOptions.as(SdkHarnessOptions.class));
    BeamTsStreamingTranslator translator = new BeamTsStreamingTranslator();
    // As FlinkPipelineRunner.runPipelineWithTranslator.
    Pipeline withSdfExpanded =
        ProtoOverrides.updateTransform(
            PTransformTranslation.PAR_DO_TRANSFORM_URN, pipeline, SplittableParDoExpander.createSizedReplacement());
    Pipeline trimmed = TrivialNativeTransformExpander.forKnownUrns(withSdfExpanded, translator.knownUrns());
    RunnerApi.Pipeline fused =
        trimmed.getComponents().getTransformsMap().values().stream().anyMatch(proto -> ExecutableStage.URN.equals(proto.getSpec().getUrn()))
            ? trimmed
            : GreedyPipelineFuser.fuse(trimmed).toPipeline();
    FlinkPortablePipelineTranslator.Executor executor =
        translator.translate(translator.createTranslationContext(jobInfo, pipelineOptions, confDir, filesToStage), fused);
    JobExecutionResult result = executor.execute(pipelineOptions.getJobName());
    if (result.getClass().getCanonicalName().equals("org.apache.flink.core.execution.DetachedJobExecutionResult")) {
      return new FlinkPortableRunnerResult.Detached();
    }
    Map<String, Object> accumulators = result.getAllAccumulatorResults();
    FlinkPortableRunnerResult flinkRunnerResult = new FlinkPortableRunnerResult(accumulators, result.getNetRuntime());
    new MetricsPusher(flinkRunnerResult.getMetricsContainerStepMap(), pipelineOptions.as(MetricsOptions.class), flinkRunnerResult).start();
    return flinkRunnerResult;
  }
}
