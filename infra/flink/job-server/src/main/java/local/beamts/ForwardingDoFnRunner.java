package local.beamts;

import org.apache.beam.runners.core.DoFnRunner;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Instant;

/** A DoFnRunner that hands everything but processElement to the runner it wraps (as Beam's wrapping runners do). */
abstract class ForwardingDoFnRunner<InputT, OutputT> implements DoFnRunner<InputT, OutputT> {
  protected final DoFnRunner<InputT, OutputT> inner;

  ForwardingDoFnRunner(DoFnRunner<InputT, OutputT> inner) {
    this.inner = inner;
  }

  @Override
  public DoFn<InputT, OutputT> getFn() {
    return inner.getFn();
  }

  @Override
  public void startBundle() {
    inner.startBundle();
  }

  @Override
  public <KeyT> void onTimer(
      String timerId, String timerFamilyId, KeyT key, BoundedWindow window, Instant timestamp, Instant outputTimestamp, TimeDomain timeDomain) {
    inner.onTimer(timerId, timerFamilyId, key, window, timestamp, outputTimestamp, timeDomain);
  }

  @Override
  public void finishBundle() {
    inner.finishBundle();
  }

  @Override
  public <KeyT> void onWindowExpiration(BoundedWindow window, Instant timestamp, KeyT key) {
    inner.onWindowExpiration(window, timestamp, key);
  }
}
