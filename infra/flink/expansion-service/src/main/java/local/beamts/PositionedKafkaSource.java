package local.beamts;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.io.kafka.KafkaCheckpointMark;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/**
 * KafkaIO's UnboundedSource with each record already in its positioned form (KV of partition, offset and key; value),
 * so that Flink's native source emits what the TypeScript steps read, with no Java step after it. A Java ParDo after
 * the read (the MapElements this replaces) runs in Beam's EMBEDDED SDK harness: every record then crosses the Fn API
 * twice inside the TaskManager (encoded, decoded, mapped, encoded, decoded), which took more of the TaskManager's
 * CPU than reading Kafka itself (docs/benchmarks.md, bench:flink). Splits, checkpoint marks (offsets committed on
 * finalize), timestamps and watermarks are KafkaIO's own reader's, unchanged.
 */
class PositionedKafkaSource extends UnboundedSource<KV<byte[], byte[]>, KafkaCheckpointMark> {
  private static final long serialVersionUID = 1L;

  private final UnboundedSource<KafkaRecord<byte[], byte[]>, KafkaCheckpointMark> kafka;

  private PositionedKafkaSource(UnboundedSource<KafkaRecord<byte[], byte[]>, KafkaCheckpointMark> kafka) {
    this.kafka = kafka;
  }

  /** KafkaIO's own source for `read` (KafkaIO.Read#makeSource, which KafkaIO's deprecated-read expansion uses). */
  @SuppressWarnings("unchecked")
  static PositionedKafkaSource of(KafkaIO.Read<byte[], byte[]> read) {
    try {
      Method makeSource = KafkaIO.Read.class.getDeclaredMethod("makeSource");
      makeSource.setAccessible(true);
      return new PositionedKafkaSource(
          (UnboundedSource<KafkaRecord<byte[], byte[]>, KafkaCheckpointMark>) makeSource.invoke(read));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          KafkaReadWithPositions.URN + ": this KafkaIO has no makeSource() (Beam 2.49's has): " + e, e);
    }
  }

  /** KafkaRecord → KV(4 bytes partition, 8 bytes offset, 1 byte key present, key; value). */
  static KV<byte[], byte[]> positioned(KafkaRecord<byte[], byte[]> r) {
    byte[] key = r.getKV().getKey();
    ByteBuffer position = ByteBuffer.allocate(4 + 8 + 1 + (key == null ? 0 : key.length));
    position.putInt(r.getPartition()).putLong(r.getOffset()).put((byte) (key == null ? 0 : 1));
    if (key != null) position.put(key);
    return KV.of(position.array(), r.getKV().getValue());
  }

  @Override
  public List<PositionedKafkaSource> split(int desiredNumSplits, PipelineOptions options) throws Exception {
    List<PositionedKafkaSource> splits = new ArrayList<>();
    for (UnboundedSource<KafkaRecord<byte[], byte[]>, KafkaCheckpointMark> s : kafka.split(desiredNumSplits, options)) {
      splits.add(new PositionedKafkaSource(s));
    }
    return splits;
  }

  @Override
  public UnboundedReader<KV<byte[], byte[]>> createReader(PipelineOptions options, KafkaCheckpointMark mark)
      throws IOException {
    return new Reader(this, kafka.createReader(options, mark));
  }

  @Override
  public Coder<KafkaCheckpointMark> getCheckpointMarkCoder() {
    return kafka.getCheckpointMarkCoder();
  }

  @Override
  public boolean requiresDeduping() {
    return kafka.requiresDeduping();
  }

  @Override
  public Coder<KV<byte[], byte[]>> getOutputCoder() {
    return KvCoder.of(NullableCoder.of(ByteArrayCoder.of()), NullableCoder.of(ByteArrayCoder.of()));
  }

  @Override
  public void validate() {
    kafka.validate();
  }

  /** KafkaIO's reader; only getCurrent() changes (and the source it names is the positioned one). */
  private static class Reader extends UnboundedReader<KV<byte[], byte[]>> {
    private final PositionedKafkaSource source;
    private final UnboundedReader<KafkaRecord<byte[], byte[]>> kafka;

    Reader(PositionedKafkaSource source, UnboundedReader<KafkaRecord<byte[], byte[]>> kafka) {
      this.source = source;
      this.kafka = kafka;
    }

    @Override
    public boolean start() throws IOException {
      return kafka.start();
    }

    @Override
    public boolean advance() throws IOException {
      return kafka.advance();
    }

    @Override
    public KV<byte[], byte[]> getCurrent() throws NoSuchElementException {
      return positioned(kafka.getCurrent());
    }

    @Override
    public Instant getCurrentTimestamp() throws NoSuchElementException {
      return kafka.getCurrentTimestamp();
    }

    @Override
    public byte[] getCurrentRecordId() throws NoSuchElementException {
      return kafka.getCurrentRecordId();
    }

    @Override
    public Instant getWatermark() {
      return kafka.getWatermark();
    }

    @Override
    public CheckpointMark getCheckpointMark() {
      return kafka.getCheckpointMark();
    }

    @Override
    public long getSplitBacklogBytes() {
      return kafka.getSplitBacklogBytes();
    }

    @Override
    public long getTotalBacklogBytes() {
      return kafka.getTotalBacklogBytes();
    }

    @Override
    public PositionedKafkaSource getCurrentSource() {
      return source;
    }

    @Override
    public void close() throws IOException {
      kafka.close();
    }
  }
}
