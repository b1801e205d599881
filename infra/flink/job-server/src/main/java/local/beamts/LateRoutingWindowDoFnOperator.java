package local.beamts;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.KeyedWorkItem;
import org.apache.beam.runners.core.KeyedWorkItems;
import org.apache.beam.runners.core.LateDataDroppingDoFnRunner;
import org.apache.beam.runners.core.LateDataUtils;
import org.apache.beam.runners.core.StateNamespaces;
import org.apache.beam.runners.core.StepContext;
import org.apache.beam.runners.core.SystemReduceFn;
import org.apache.beam.runners.core.TimerInternals;
import org.apache.beam.runners.core.triggers.TriggerStateMachineRunner;
import org.apache.beam.runners.flink.translation.wrappers.streaming.DoFnOperator;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.WindowedValue;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.joda.time.Instant;

/**
 * Beam's WindowDoFnOperator (GroupByKey on Flink; with TimersTogetherWindowDoFnOperator's timers) whose late-data filter routes what it drops to a second output
 * instead of only counting it: Beam's LateDataDroppingDoFnRunner drops an element's window when the window's
 * garbage-collection time is before the operator's input watermark; here each such element becomes one late
 * record (key, value, event time, the windows it missed, the input watermark, EXPIRED_WINDOW) on {@code lateTag},
 * in the global window. An element for a window whose trigger has finished (non-merging windows: the trigger's
 * finished bit, which ReduceFnRunner would drop it for) becomes a CLOSED_WINDOW record. The element's other
 * windows go on to the reducer as before. Each late record counts once in Beam's droppedDueToLateness (as the
 * direct runner counts them). Elements arrive with all their windows (ToKeyedWorkItemWithWindows), so an element
 * late for several windows is one record, as on the direct runner. After a restore, lateness is judged against
 * the input watermark kept in the snapshot until the input watermark passes it (restoredWatermark).
 */
@SuppressWarnings({"rawtypes", "unchecked"})
public class LateRoutingWindowDoFnOperator<K, V> extends TimersTogetherWindowDoFnOperator<K, V> {
  private static final long serialVersionUID = 1L;

  private final TupleTag<KV<K, KV<V, byte[]>>> lateTag;

  /** This operator's input watermark at the last snapshot, so a restored run judges lateness as the run before. */
  private transient ListState<Long> snapshotWatermark;

  /**
   * The least input watermark in the snapshot this run was restored from (every subtask's): after a restore the
   * input watermark starts at the beginning of time again until the source emits one, and the records it replays
   * would not be late, though the run before sent them to the late output (and the direct runner restores its
   * watermark too). Lateness is judged against max(input watermark, this).
   */
  private transient long restoredWatermark = BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis();

  public LateRoutingWindowDoFnOperator(
      SystemReduceFn<K, V, ?, Iterable<V>, BoundedWindow> systemReduceFn,
      String stepName,
      Coder<WindowedValue<KeyedWorkItem<K, V>>> windowedInputCoder,
      TupleTag<KV<K, Iterable<V>>> mainOutputTag,
      TupleTag<KV<K, KV<V, byte[]>>> lateTag,
      DoFnOperator.MultiOutputOutputManagerFactory<KV<K, Iterable<V>>> outputManagerFactory,
      WindowingStrategy<?, ?> windowingStrategy,
      Map<Integer, PCollectionView<?>> sideInputTagMapping,
      Collection<PCollectionView<?>> sideInputs,
      PipelineOptions options,
      Coder<K> keyCoder,
      KeySelector<WindowedValue<KeyedWorkItem<K, V>>, ?> keySelector) {
    super(
        systemReduceFn,
        stepName,
        windowedInputCoder,
        mainOutputTag,
        List.of(lateTag),
        outputManagerFactory,
        windowingStrategy,
        sideInputTagMapping,
        sideInputs,
        options,
        keyCoder,
        keySelector);
    this.lateTag = lateTag;
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    snapshotWatermark =
        context.getOperatorStateStore().getUnionListState(new ListStateDescriptor<>("beam-ts-late-input-watermark", LongSerializer.INSTANCE));
    if (context.isRestored()) {
      long least = Long.MAX_VALUE;
      for (Long w : snapshotWatermark.get()) least = Math.min(least, w);
      if (least == Long.MAX_VALUE) {
        // A savepoint of Beam's GroupByKey (before the late-data output): its late records would go into results.
        throw new IllegalStateException(
            "the savepoint predates the late-data output (no input watermark of " + stepName + " in it): resume it "
                + "with Beam's own job server (org.apache.beam.runners.flink.FlinkJobServerDriver), or start without it (--restore-from none)");
      }
      restoredWatermark = least;
    }
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) {
    super.prepareSnapshotPreBarrier(checkpointId);
    try {
      long now = ((TimerInternals) timerInternals).currentInputWatermarkTime().getMillis();
      snapshotWatermark.update(List.of(Math.max(now, restoredWatermark)));
    } catch (Exception e) {
      throw new IllegalStateException("could not keep the input watermark in the snapshot", e);
    }
  }

  @Override
  protected DoFnRunner<KeyedWorkItem<K, V>, KV<K, Iterable<V>>> lateDataRunner(
      DoFnRunner<KeyedWorkItem<K, V>, KV<K, Iterable<V>>> wrappedRunner, StepContext stepContext) {
    return new LateRoutingRunner(wrappedRunner);
  }

  /** The elements of a work item the reducer may still use; the others go to the late output. */
  private final class LateRoutingRunner extends ForwardingDoFnRunner<KeyedWorkItem<K, V>, KV<K, Iterable<V>>> {
    private final Counter droppedDueToLateness =
        Metrics.counter(LateDataDroppingDoFnRunner.class, LateDataDroppingDoFnRunner.DROPPED_DUE_TO_LATENESS);
    /** Closed windows are looked up only where they can be: non-merging windows, a trigger that may finish. */
    private final boolean closable = windowingStrategy.getWindowFn().isNonMerging() && windowingStrategy.getTrigger().mayFinish();
    private final Coder<BoundedWindow> windowCoder = (Coder) windowingStrategy.getWindowFn().windowCoder();

    LateRoutingRunner(DoFnRunner<KeyedWorkItem<K, V>, KV<K, Iterable<V>>> inner) {
      super(inner);
    }

    @Override
    public void processElement(WindowedValue<KeyedWorkItem<K, V>> elem) {
      KeyedWorkItem<K, V> item = elem.getValue();
      Instant current = ((TimerInternals) timerInternals).currentInputWatermarkTime();
      Instant inputWatermark = current.getMillis() >= restoredWatermark ? current : new Instant(restoredWatermark);
      List<WindowedValue<V>> live = new ArrayList<>();
      for (WindowedValue<V> element : item.elementsIterable()) {
        List<BoundedWindow> expired = null;
        List<BoundedWindow> closed = null;
        for (BoundedWindow window : element.getWindows()) {
          if (LateDataUtils.garbageCollectionTime(window, windowingStrategy).isBefore(inputWatermark)) {
            if (expired == null) expired = new ArrayList<>();
            expired.add(window);
          } else if (closable && triggerFinished(window)) {
            if (closed == null) closed = new ArrayList<>();
            closed.add(window);
          } else {
            live.add(WindowedValue.of(element.getValue(), element.getTimestamp(), window, element.getPane()));
          }
        }
        if (expired != null) emitLate(item.key(), element, LateRecordEncoding.EXPIRED_WINDOW, inputWatermark, expired);
        if (closed != null) emitLate(item.key(), element, LateRecordEncoding.CLOSED_WINDOW, inputWatermark, closed);
      }
      inner.processElement(elem.withValue(KeyedWorkItems.workItem(item.key(), item.timersIterable(), live)));
    }

    /** Whether the window's root trigger has finished (ReduceFnRunner would drop the element as closed). */
    private boolean triggerFinished(BoundedWindow window) {
      BitSet bits =
          keyedStateInternals
              .state(StateNamespaces.window(windowCoder, window), TriggerStateMachineRunner.FINISHED_BITS_TAG)
              .read();
      return bits != null && bits.get(0);
    }

    private void emitLate(K key, WindowedValue<V> element, byte reason, Instant watermark, List<BoundedWindow> windows) {
      droppedDueToLateness.inc();
      byte[] meta = LateRecordEncoding.encode(reason, watermark.getMillis(), element.getTimestamp().getMillis(), windows);
      outputManager.output(
          lateTag,
          WindowedValue.of(KV.of(key, KV.of(element.getValue(), meta)), element.getTimestamp(), GlobalWindow.INSTANCE, PaneInfo.NO_FIRING));
    }
  }
}
