package local.beamts;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Map;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.expansion.ExternalTransformRegistrar;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.transforms.ExternalTransformBuilder;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.SimpleFunction;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * KafkaIO's read with each record's partition and offset, for cross-language pipelines: KV&lt;position, value&gt;
 * of nullable byte arrays, where position is 4 bytes partition, 8 bytes offset (big-endian), then the record's
 * key (absent: a null key). Expanded from the same ExternalConfigurationPayload as KafkaIO's own external read
 * (KafkaIO.Read.External.Configuration). Why not KafkaIO's kafka_read_with_metadata: on Java 17 its record row
 * fails in Beam 2.49's schema code generation ("...Function$SchemaCodeGen$... must be defined in the same package
 * as ...guava...Function"). The output is two byte arrays, which every SDK decodes.
 */
public class KafkaReadWithPositions extends PTransform<PBegin, PCollection<KV<byte[], byte[]>>> {
  public static final String URN = "beam-ts:transform:kafka_read_with_positions:v1";
  private static final long serialVersionUID = 1L;

  private final KafkaIO.Read<byte[], byte[]> read;

  KafkaReadWithPositions(KafkaIO.Read<byte[], byte[]> read) {
    this.read = read;
  }

  @Override
  public PCollection<KV<byte[], byte[]>> expand(PBegin input) {
    return input
        .apply("KafkaIO.Read", read)
        .apply("WithPositions", MapElements.via(new ToPositionedKV()))
        .setCoder(KvCoder.of(NullableCoder.of(ByteArrayCoder.of()), NullableCoder.of(ByteArrayCoder.of())));
  }

  /** KafkaRecord → KV(partition, offset and key; value). */
  static class ToPositionedKV extends SimpleFunction<KafkaRecord<byte[], byte[]>, KV<byte[], byte[]>> {
    private static final long serialVersionUID = 1L;

    @Override
    public KV<byte[], byte[]> apply(KafkaRecord<byte[], byte[]> r) {
      byte[] key = r.getKV().getKey();
      ByteBuffer position = ByteBuffer.allocate(4 + 8 + 1 + (key == null ? 0 : key.length));
      position.putInt(r.getPartition()).putLong(r.getOffset()).put((byte) (key == null ? 0 : 1));
      if (key != null) position.put(key);
      return KV.of(position.array(), r.getKV().getValue());
    }
  }

  /**
   * The payload's fields, matched to these setters by name (snake_case → setCamelCase), as for KafkaIO's external
   * read: consumer_config, topics, key_deserializer and value_deserializer (byte arrays only), start_read_time,
   * commit_offset_in_finalize, timestamp_policy (CreateTime, LogAppendTime or ProcessingTime).
   */
  public static class Configuration {
    private Map<String, String> consumerConfig = Collections.emptyMap();
    private java.util.List<String> topics = Collections.emptyList();
    private Long startReadTime;
    private boolean commitOffsetInFinalize;
    private String timestampPolicy = "ProcessingTime";

    public void setConsumerConfig(Map<String, String> consumerConfig) {
      this.consumerConfig = consumerConfig;
    }

    public void setTopics(java.util.List<String> topics) {
      this.topics = topics;
    }

    public void setKeyDeserializer(String name) {
      requireBytes(name);
    }

    public void setValueDeserializer(String name) {
      requireBytes(name);
    }

    public void setStartReadTime(Long startReadTime) {
      this.startReadTime = startReadTime;
    }

    public void setCommitOffsetInFinalize(Boolean commit) {
      this.commitOffsetInFinalize = commit != null && commit;
    }

    public void setTimestampPolicy(String timestampPolicy) {
      this.timestampPolicy = timestampPolicy;
    }

    private static void requireBytes(String deserializer) {
      if (!"org.apache.kafka.common.serialization.ByteArrayDeserializer".equals(deserializer)) {
        throw new IllegalArgumentException(URN + " reads byte arrays only, not " + deserializer);
      }
    }

    KafkaIO.Read<byte[], byte[]> read() {
      KafkaIO.Read<byte[], byte[]> read =
          KafkaIO.readBytes()
              .withBootstrapServers(consumerConfig.getOrDefault("bootstrap.servers", ""))
              .withTopics(topics)
              .withConsumerConfigUpdates(new java.util.HashMap<String, Object>(consumerConfig));
      switch (timestampPolicy) {
        case "CreateTime":
          read = read.withCreateTime(Duration.ZERO);
          break;
        case "LogAppendTime":
          read = read.withLogAppendTime();
          break;
        case "ProcessingTime":
          read = read.withProcessingTime();
          break;
        default:
          throw new IllegalArgumentException(URN + ": unknown timestamp_policy " + timestampPolicy);
      }
      if (startReadTime != null) read = read.withStartReadTime(Instant.ofEpochMilli(startReadTime));
      if (commitOffsetInFinalize) read = read.commitOffsetsInFinalize();
      return read;
    }
  }

  /** Builds the read from the payload's configuration. */
  public static class Builder
      implements ExternalTransformBuilder<Configuration, PBegin, PCollection<KV<byte[], byte[]>>> {
    @Override
    public PTransform<PBegin, PCollection<KV<byte[], byte[]>>> buildExternal(Configuration c) {
      return new KafkaReadWithPositions(c.read());
    }
  }

  /** Registers the URN with the expansion service (META-INF/services). */
  public static class Registrar implements ExternalTransformRegistrar {
    @Override
    public Map<String, ExternalTransformBuilder<?, ?, ?>> knownBuilderInstances() {
      return Collections.singletonMap(URN, new Builder());
    }
  }
}
