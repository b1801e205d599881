package local.beamts;

import org.apache.beam.runners.core.KeyedWorkItem;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.runners.flink.translation.wrappers.streaming.SingletonKeyedWorkItem;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.util.WindowedValue;
import org.apache.beam.sdk.values.KV;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.util.Collector;

/**
 * Beam's ToKeyedWorkItem without exploding windows: one work item per element with all its windows, so the late
 * filter (LateRoutingWindowDoFnOperator) sees every window an element missed at once (one late record per
 * element, as the direct runner). The filter explodes the windows it passes on, as Beam's does.
 */
public class ToKeyedWorkItemWithWindows<K, V>
    extends RichFlatMapFunction<WindowedValue<KV<K, V>>, WindowedValue<KeyedWorkItem<K, V>>> {
  private static final long serialVersionUID = 1L;

  private final SerializablePipelineOptions options;

  public ToKeyedWorkItemWithWindows(PipelineOptions options) {
    this.options = new SerializablePipelineOptions(options);
  }

  @Override
  public void open(Configuration parameters) {
    FileSystems.setDefaultPipelineOptions(options.get());
  }

  @Override
  public void flatMap(WindowedValue<KV<K, V>> in, Collector<WindowedValue<KeyedWorkItem<K, V>>> out) {
    SingletonKeyedWorkItem<K, V> item = new SingletonKeyedWorkItem<>(in.getValue().getKey(), in.withValue(in.getValue().getValue()));
    out.collect(in.withValue(item));
  }
}
