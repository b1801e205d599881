package local.beamts;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.runners.core.KeyedWorkItem;
import org.apache.beam.runners.core.KeyedWorkItems;
import org.apache.beam.runners.core.StepContext;
import org.apache.beam.runners.core.SystemReduceFn;
import org.apache.beam.runners.core.TimerInternals;
import org.apache.beam.runners.core.TimerInternals.TimerData;
import org.apache.beam.runners.flink.translation.wrappers.streaming.DoFnOperator;
import org.apache.beam.runners.flink.translation.wrappers.streaming.WindowDoFnOperator;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.util.WindowedValue;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.WindowingStrategy;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.joda.time.Instant;

/**
 * Beam's WindowDoFnOperator (GroupByKey on Flink) that hands Beam's ReduceFnRunner all event-time timers of a key
 * that one watermark advance fires in ONE onTimers call, as Beam Java's runners do (and our direct runner): Beam's
 * operator delivers Flink's timers one by one, so a window whose end-of-window and garbage-collection timers fall
 * in one watermark step got its final pane and then an extra empty ON_TIME pane (ReduceFnRunner judged the second
 * timer alone; Beam's fixedWindowsEowAndGcTogether tests expect one activation). The timers Flink fires are
 * collected per key while the timer service advances and run, per key, right after it (timers they set at or
 * before the watermark fire in the same step, as before).
 *
 * After such a step the bundle the timers started is finished, so the operator's output watermark moves at once:
 * Beam's operator does not move it while a bundle is open, and the reducer judges the next element's pane by it
 * (a late element merging into a session fired ON_TIME was labelled ON_TIME, not LATE, because the output
 * watermark still lagged the step that had fired the session).
 */
@SuppressWarnings({"rawtypes", "unchecked"})
public class TimersTogetherWindowDoFnOperator<K, V> extends WindowDoFnOperator<K, V, Iterable<V>> {
  private static final long serialVersionUID = 1L;

  /** Fired timers not yet run, per key (Flink's key bytes), in firing order; null outside a watermark advance. */
  private transient Map<ByteBuffer, KV<K, List<TimerData>>> collected;

  private transient boolean collecting;

  public TimersTogetherWindowDoFnOperator(
      SystemReduceFn<K, V, ?, Iterable<V>, BoundedWindow> systemReduceFn,
      String stepName,
      Coder<WindowedValue<KeyedWorkItem<K, V>>> windowedInputCoder,
      TupleTag<KV<K, Iterable<V>>> mainOutputTag,
      List<TupleTag<?>> additionalOutputTags,
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
        additionalOutputTags,
        outputManagerFactory,
        windowingStrategy,
        sideInputTagMapping,
        sideInputs,
        options,
        keyCoder,
        keySelector);
  }

  @Override
  protected final DoFnRunner<KeyedWorkItem<K, V>, KV<K, Iterable<V>>> createWrappingDoFnRunner(
      DoFnRunner<KeyedWorkItem<K, V>, KV<K, Iterable<V>>> wrappedRunner, StepContext stepContext) {
    return new CollectingRunner(lateDataRunner(wrappedRunner, stepContext));
  }

  /** What filters late data before the reducer: Beam's LateDataDroppingDoFnRunner here. */
  protected DoFnRunner<KeyedWorkItem<K, V>, KV<K, Iterable<V>>> lateDataRunner(
      DoFnRunner<KeyedWorkItem<K, V>, KV<K, Iterable<V>>> wrappedRunner, StepContext stepContext) {
    return super.createWrappingDoFnRunner(wrappedRunner, stepContext);
  }

  @Override
  protected void fireTimer(TimerData timer) {
    // Beam's fireTimer marks the timer fired and hands one timer to doFnRunner: CollectingRunner keeps it.
    collecting = collected != null && timer.getDomain() == TimeDomain.EVENT_TIME;
    try {
      super.fireTimer(timer);
    } finally {
      collecting = false;
    }
  }

  /**
   * Called by Beam's operator right after the timer service advanced to a new input watermark and before it emits
   * the output watermark: runs the collected timers, then computes the output watermark again (their panes released
   * holds) with the bundle finished.
   */
  @Override
  public long applyOutputWatermarkHold(long currentOutputWatermark, long potentialOutputWatermark) {
    if (collected == null || collected.isEmpty()) return potentialOutputWatermark;
    Instant inputWatermark = ((TimerInternals) timerInternals).currentInputWatermarkTime();
    try {
      while (!collected.isEmpty()) {
        Map<ByteBuffer, KV<K, List<TimerData>>> batch = collected;
        collected = new LinkedHashMap<>();
        for (Map.Entry<ByteBuffer, KV<K, List<TimerData>>> e : batch.entrySet()) {
          setCurrentKey(e.getKey());
          doFnRunner.processElement(
              WindowedValue.valueInGlobalWindow(KeyedWorkItems.timersWorkItem(e.getValue().getKey(), e.getValue().getValue())));
        }
        // Timers the reducer set at or before the watermark fire in this step too (Flink fires them on the next advance).
        getTimeServiceManager().get().advanceWatermark(new Watermark(inputWatermark.getMillis()));
      }
    } catch (Exception e) {
      throw new IllegalStateException("firing the timers of watermark " + inputWatermark + " failed", e);
    }
    invokeFinishBundle();
    return Math.min(keyedStateInternals.minWatermarkHoldMs(), inputWatermark.getMillis());
  }

  @Override
  public void open() throws Exception {
    super.open();
    collected = new LinkedHashMap<>();
  }

  /** Keeps the timers Flink fires one by one (see the class comment); everything else goes on. */
  private final class CollectingRunner extends ForwardingDoFnRunner<KeyedWorkItem<K, V>, KV<K, Iterable<V>>> {
    CollectingRunner(DoFnRunner<KeyedWorkItem<K, V>, KV<K, Iterable<V>>> inner) {
      super(inner);
    }

    @Override
    public void processElement(WindowedValue<KeyedWorkItem<K, V>> elem) {
      KeyedWorkItem<K, V> item = elem.getValue();
      if (!collecting || item.elementsIterable().iterator().hasNext()) {
        inner.processElement(elem);
        return;
      }
      ByteBuffer key = (ByteBuffer) getCurrentKey();
      List<TimerData> timers = collected.computeIfAbsent(key, k -> KV.of(item.key(), new ArrayList<>())).getValue();
      for (TimerData t : item.timersIterable()) timers.add(t);
    }
  }
}
