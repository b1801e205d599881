package org.apache.beam.runners.flink;

import static org.apache.beam.runners.fnexecution.translation.PipelineTranslatorUtils.instantiateCoder;

import java.lang.reflect.Field;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import local.beamts.GroupByKeyWithLate;
import local.beamts.LateRoutingWindowDoFnOperator;
import local.beamts.TimersTogetherWindowDoFnOperator;
import local.beamts.ToKeyedWorkItemWithWindows;
import org.apache.beam.model.pipeline.v1.RunnerApi;
import org.apache.beam.runners.core.KeyedWorkItem;
import org.apache.beam.runners.core.SystemReduceFn;
import org.apache.beam.runners.core.construction.PTransformTranslation;
import org.apache.beam.runners.core.construction.RehydratedComponents;
import org.apache.beam.runners.core.construction.SerializablePipelineOptions;
import org.apache.beam.runners.core.construction.WindowingStrategyTranslation;
import org.apache.beam.runners.core.construction.graph.PipelineNode;
import org.apache.beam.runners.core.construction.graph.QueryablePipeline;
import org.apache.beam.runners.flink.FlinkStreamingPortablePipelineTranslator.StreamingTranslationContext;
import org.apache.beam.runners.flink.translation.types.CoderTypeInformation;
import org.apache.beam.runners.flink.translation.wrappers.streaming.DoFnOperator;
import org.apache.beam.runners.flink.translation.wrappers.streaming.SingletonKeyedWorkItemCoder;
import org.apache.beam.runners.flink.translation.wrappers.streaming.WorkItemKeySelector;
import org.apache.beam.runners.fnexecution.provisioning.JobInfo;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.IterableCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.WindowedValue;
import org.apache.beam.sdk.util.WindowedValue.WindowedValueCoder;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.apache.beam.vendor.grpc.v1p54p0.com.google.protobuf.InvalidProtocolBufferException;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

/**
 * Beam's streaming translator plus our GroupByKey with a late-data output (GroupByKeyWithLate.URN), and Beam's
 * GroupByKey with our operator (TimersTogetherWindowDoFnOperator: the panes of Beam Java): every other URN goes to
 * Beam's own translation of that transform (FlinkStreamingPortablePipelineTranslator's table, read
 * once by reflection: Beam 2.49 offers no way to add a URN). Ours is Beam's GroupByKey translation (addGBK) with
 * LateRoutingWindowDoFnOperator and ToKeyedWorkItemWithWindows, and the late records as the operator's side output.
 */
@SuppressWarnings({"rawtypes", "unchecked"})
public class BeamTsStreamingTranslator implements FlinkPortablePipelineTranslator<StreamingTranslationContext> {
  private final FlinkStreamingPortablePipelineTranslator beam = new FlinkStreamingPortablePipelineTranslator();
  private final Map<String, FlinkStreamingPortablePipelineTranslator.PTransformTranslator<StreamingTranslationContext>> beamTranslators;

  public BeamTsStreamingTranslator() {
    try {
      Field table = FlinkStreamingPortablePipelineTranslator.class.getDeclaredField("urnToTransformTranslator");
      table.setAccessible(true);
      beamTranslators = (Map) table.get(beam);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "this job server is built for Beam 2.49's Flink runner (FlinkStreamingPortablePipelineTranslator."
              + "urnToTransformTranslator is missing): rebuild it with npm run flink:up",
          e);
    }
  }

  @Override
  public StreamingTranslationContext createTranslationContext(
      JobInfo jobInfo, FlinkPipelineOptions pipelineOptions, String confDir, List<String> filesToStage) {
    return beam.createTranslationContext(jobInfo, pipelineOptions, confDir, filesToStage);
  }

  @Override
  public Set<String> knownUrns() {
    Set<String> urns = new HashSet<>(beam.knownUrns());
    urns.add(GroupByKeyWithLate.URN);
    return urns;
  }

  @Override
  public FlinkPortablePipelineTranslator.Executor translate(StreamingTranslationContext context, RunnerApi.Pipeline pipeline) {
    QueryablePipeline p = QueryablePipeline.forTransforms(pipeline.getRootTransformIdsList(), pipeline.getComponents());
    for (PipelineNode.PTransformNode transform : p.getTopologicallyOrderedTransforms()) {
      String urn = transform.getTransform().getSpec().getUrn();
      if (GroupByKeyWithLate.URN.equals(urn)) {
        translateGroupByKey(transform.getId(), pipeline, context, true);
      } else if (PTransformTranslation.GROUP_BY_KEY_TRANSFORM_URN.equals(urn)) {
        translateGroupByKey(transform.getId(), pipeline, context, false);
      } else if (beamTranslators.containsKey(urn)) {
        beamTranslators.get(urn).translate(transform.getId(), pipeline, context);
      } else {
        throw new IllegalArgumentException(String.format("Unknown type of URN %s for PTransform with id %s.", urn, transform.getId()));
      }
    }
    return context;
  }

  /** Beam's GroupByKey translation (addGBK) with our operator; `withLate`: GroupByKeyWithLate, its late output too. */
  private <K, V> void translateGroupByKey(String id, RunnerApi.Pipeline pipeline, StreamingTranslationContext context, boolean withLate) {
    RunnerApi.Components components = pipeline.getComponents();
    RunnerApi.PTransform pTransform = components.getTransformsOrThrow(id);
    String inputId = pTransform.getInputsMap().values().iterator().next();
    String groupedId =
        withLate ? pTransform.getOutputsOrThrow(GroupByKeyWithLate.GROUPED) : pTransform.getOutputsMap().values().iterator().next();
    RunnerApi.WindowingStrategy windowingStrategyProto =
        components.getWindowingStrategiesOrThrow(components.getPcollectionsOrThrow(inputId).getWindowingStrategyId());
    WindowingStrategy<?, ?> windowingStrategy;
    try {
      windowingStrategy = WindowingStrategyTranslation.fromProto(windowingStrategyProto, RehydratedComponents.forComponents(components));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(String.format("Unable to hydrate GroupByKey windowing strategy %s.", windowingStrategyProto), e);
    }
    FlinkPipelineOptions options = context.getPipelineOptions();
    WindowedValueCoder<KV<K, V>> windowedInputCoder = (WindowedValueCoder) instantiateCoder(inputId, components);
    KvCoder<K, V> inputElementCoder = (KvCoder<K, V>) windowedInputCoder.getValueCoder();
    Coder<BoundedWindow> windowCoder = (Coder) windowingStrategy.getWindowFn().windowCoder();

    SingletonKeyedWorkItemCoder<K, V> workItemCoder =
        SingletonKeyedWorkItemCoder.of(inputElementCoder.getKeyCoder(), inputElementCoder.getValueCoder(), windowCoder);
    WindowedValue.FullWindowedValueCoder<KeyedWorkItem<K, V>> windowedWorkItemCoder = WindowedValue.getFullCoder(workItemCoder, windowCoder);
    DataStream<WindowedValue<KV<K, V>>> inputDataStream = context.getDataStreamOrThrow(inputId);
    DataStream<WindowedValue<KeyedWorkItem<K, V>>> workItemStream =
        inputDataStream
            .flatMap(new ToKeyedWorkItemWithWindows<K, V>(options))
            .returns(new CoderTypeInformation<>(windowedWorkItemCoder, options))
            .name("ToKeyedWorkItem");
    WorkItemKeySelector<K, V> keySelector =
        new WorkItemKeySelector<>(inputElementCoder.getKeyCoder(), new SerializablePipelineOptions(options));
    KeyedStream<WindowedValue<KeyedWorkItem<K, V>>, java.nio.ByteBuffer> keyedWorkItemStream = workItemStream.keyBy(keySelector);

    SystemReduceFn<K, V, Iterable<V>, Iterable<V>, BoundedWindow> reduceFn = SystemReduceFn.buffering(inputElementCoder.getValueCoder());
    Coder<WindowedValue<KV<K, Iterable<V>>>> outputCoder =
        WindowedValue.getFullCoder(KvCoder.of(inputElementCoder.getKeyCoder(), IterableCoder.of(inputElementCoder.getValueCoder())), windowCoder);
    TupleTag<KV<K, Iterable<V>>> mainTag = new TupleTag<>("main output");
    SerializablePipelineOptions serializableOptions = new SerializablePipelineOptions(options);
    TimersTogetherWindowDoFnOperator<K, V> operator;
    OutputTag<WindowedValue<?>> lateOutputTag = null;
    String lateId = null;
    if (withLate) {
      lateId = pTransform.getOutputsOrThrow(GroupByKeyWithLate.LATE);
      Coder<WindowedValue<?>> lateCoder = (Coder) instantiateCoder(lateId, components);
      TupleTag<KV<K, KV<V, byte[]>>> lateTag = new TupleTag<>(GroupByKeyWithLate.LATE);
      lateOutputTag = new OutputTag<>(GroupByKeyWithLate.LATE, new CoderTypeInformation<>(lateCoder, options));
      Map<TupleTag<?>, OutputTag<WindowedValue<?>>> tagsToOutputTags = new HashMap<>();
      tagsToOutputTags.put(lateTag, lateOutputTag);
      Map<TupleTag<?>, Coder<WindowedValue<?>>> tagsToCoders = new HashMap<>();
      tagsToCoders.put(mainTag, (Coder) outputCoder);
      tagsToCoders.put(lateTag, lateCoder);
      Map<TupleTag<?>, Integer> tagsToIds = new HashMap<>();
      tagsToIds.put(mainTag, 0);
      tagsToIds.put(lateTag, 1);
      operator =
          new LateRoutingWindowDoFnOperator<>(
              reduceFn, pTransform.getUniqueName(), windowedWorkItemCoder, mainTag, lateTag,
              new DoFnOperator.MultiOutputOutputManagerFactory<>(mainTag, tagsToOutputTags, tagsToCoders, tagsToIds, serializableOptions),
              windowingStrategy, new HashMap<>(), Collections.emptyList(), options, inputElementCoder.getKeyCoder(), keySelector);
    } else {
      operator =
          new TimersTogetherWindowDoFnOperator<>(
              reduceFn, pTransform.getUniqueName(), windowedWorkItemCoder, mainTag, Collections.emptyList(),
              new DoFnOperator.MultiOutputOutputManagerFactory<>(mainTag, outputCoder, serializableOptions),
              windowingStrategy, new HashMap<>(), Collections.emptyList(), options, inputElementCoder.getKeyCoder(), keySelector);
    }
    SingleOutputStreamOperator<WindowedValue<KV<K, Iterable<V>>>> grouped =
        keyedWorkItemStream.transform(pTransform.getUniqueName(), new CoderTypeInformation<>(outputCoder, options), operator);
    // The same operator id as Beam's GroupByKey (its state maps onto a savepoint of Beam's translation).
    grouped.uid(pTransform.getUniqueName());
    context.addDataStream(groupedId, grouped);
    if (withLate) context.addDataStream(lateId, grouped.getSideOutput(lateOutputTag));
  }
}
