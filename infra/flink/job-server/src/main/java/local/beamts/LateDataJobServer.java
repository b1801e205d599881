package local.beamts;

import org.apache.beam.runners.flink.BeamTsJobInvoker;
import org.apache.beam.runners.flink.FlinkJobServerDriver;
import org.apache.beam.sdk.extensions.gcp.options.GcsOptions;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * The job server of `npm run flink:up`: Beam's FlinkJobServerDriver (same arguments) whose jobs are translated by
 * BeamTsStreamingTranslator, which knows our GroupByKey with a late-data output (GroupByKeyWithLate.URN). It
 * announces that URN in its log line, so a stock Beam job server (without it) is told apart by the submitter.
 */
public final class LateDataJobServer {
  private LateDataJobServer() {}

  public static void main(String[] args) throws Exception {
    PipelineOptions options = PipelineOptionsFactory.create();
    options.as(GcsOptions.class).setGcsUploadBufferSizeBytes(1024 * 1024);
    FileSystems.setDefaultPipelineOptions(options);
    FlinkJobServerDriver.FlinkServerConfiguration configuration = FlinkJobServerDriver.parseArgs(args);
    System.out.println("beam-ts job server: translates " + GroupByKeyWithLate.URN);
    FlinkJobServerDriver.fromConfig(configuration, () -> new BeamTsJobInvoker(configuration)).run();
  }
}
