package local.beamts;

import java.util.Collections;
import java.util.List;
import org.apache.beam.runners.core.construction.resources.PipelineResourcesDetector;

/**
 * Tells the Beam Flink job server to stage no jars with a job (pipeline option
 * pipelineResourcesDetectorFactoryClass=local.beamts.NoStagingDetectorFactory). The local cluster started by
 * `npm run flink:up` has Beam's jars on the JobManager's and TaskManager's own classpath, so staging the job
 * server's 158 MB classpath with every job (what Beam does by default) only costs time and, with Flink's per-job
 * class loaders, metaspace and JobManager heap.
 */
public class NoStagingDetectorFactory implements PipelineResourcesDetector.Factory {
  /** Beam instantiates the option's factory class through this method. */
  public static NoStagingDetectorFactory create() {
    return new NoStagingDetectorFactory();
  }

  @Override
  public PipelineResourcesDetector getPipelineResourcesDetector() {
    return new NothingToStage();
  }

  /** Detects nothing. */
  public static class NothingToStage implements PipelineResourcesDetector {
    private static final long serialVersionUID = 1L;

    @Override
    public List<String> detect(ClassLoader classLoader) {
      return Collections.emptyList();
    }
  }
}
