package local.beamts;

import java.util.Collections;
import java.util.Map;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.expansion.ExternalTransformRegistrar;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.transforms.ExternalTransformBuilder;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * KafkaIO's read with each record's partition and offset, for cross-language pipelines: KV&lt;position, value&gt;
 * of nullable byte arrays, where position is 4 bytes partition, 8 bytes offset (big-endian), then the record's
 * key (absent: a null key). Expanded from the same ExternalConfigurationPayload as KafkaIO's own external read
 * (KafkaIO.Read.External.Configuration). Why not KafkaIO's kafka_read_with_metadata: on Java 17 its record row
 * fails in Beam 2.49's schema code generation ("...Function$SchemaCodeGen$... must be defined in the same package
 * as ...guava...Function"). The output is two byte arrays, which every SDK decodes.
 *
 * It expands to Beam's primitive Read of KafkaIO's own UnboundedSource with the records already positioned
 * (PositionedKafkaSource): with the expansion service's use_deprecated_read, Flink runs it as a native source with
 * no Java step after it, so the records go from KafkaIO's reader straight to the TypeScript steps.
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
    KafkaIO.Read<byte[], byte[]> withCoders =
        read.withKeyDeserializerAndCoder(ByteArrayDeserializer.class, NullableCoder.of(ByteArrayCoder.of()))
            .withValueDeserializerAndCoder(ByteArrayDeserializer.class, NullableCoder.of(ByteArrayCoder.of()));
    return input.apply("KafkaIO.Read", Read.from(PositionedKafkaSource.of(withCoders)));
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

    /** The read, checked as KafkaIO.Read#expand checks it (that expansion is bypassed: see PositionedKafkaSource). */
    KafkaIO.Read<byte[], byte[]> read() {
      if (consumerConfig.getOrDefault("bootstrap.servers", "").isEmpty()) {
        throw new IllegalArgumentException(URN + ": consumer_config needs bootstrap.servers");
      }
      if (topics.isEmpty()) throw new IllegalArgumentException(URN + ": topics is empty");
      if (commitOffsetInFinalize && consumerConfig.get("group.id") == null) {
        throw new IllegalArgumentException(URN + ": commit_offset_in_finalize needs group.id in consumer_config");
      }
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
