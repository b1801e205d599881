package local.beamts;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;

/**
 * The metadata of a late record, as the bytes beside its key and value (decoded by runners/flink/late_output.ts):
 * reason (1 byte: 0 EXPIRED_WINDOW, 1 CLOSED_WINDOW), the GroupByKey's input watermark (int64 ms), the element's
 * event time (int64 ms), the number of missed windows (int32), then each window's start and end (int64 ms each);
 * big-endian.
 */
public final class LateRecordEncoding {
  public static final byte EXPIRED_WINDOW = 0;
  public static final byte CLOSED_WINDOW = 1;

  private LateRecordEncoding() {}

  public static byte[] encode(byte reason, long watermarkMillis, long timestampMillis, List<BoundedWindow> windows) {
    ByteBuffer out = ByteBuffer.allocate(1 + 8 + 8 + 4 + 16 * windows.size());
    out.put(reason).putLong(watermarkMillis).putLong(timestampMillis).putInt(windows.size());
    for (BoundedWindow w : windows) {
      if (w instanceof IntervalWindow) {
        IntervalWindow iw = (IntervalWindow) w;
        out.putLong(iw.start().getMillis()).putLong(iw.end().getMillis());
      } else {
        // The global window (never expires before the end of time): its bounds.
        out.putLong(BoundedWindow.TIMESTAMP_MIN_VALUE.getMillis()).putLong(w.maxTimestamp().getMillis() + 1);
      }
    }
    return out.array();
  }
}
