import * as path from "path";
import { OptionsError, parseOptions, parseTrigger, parseWindow, triggerOf } from "../../pipelines/options";
import { main, runnerConfig } from "../../pipelines/main";

const oneLine = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OptionsError);
    const message = (e as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected an OptionsError");
};

describe("pipeline options", () => {
  test("defaults: direct runner, 1-minute fixed windows per product, 10 s watermark delay, resume from committed", () => {
    const config = parseOptions([]);
    expect(config).toEqual({
      runner: "direct",
      window: { kind: "fixed", size: 60_000, offset: 0 },
      key: "product",
      watermarkDelay: 10_000,
      allowedLateness: 0,
      trigger: {},
      bootstrapServers: ["127.0.0.1:9092"],
      topic: "sales_events",
      groupId: "sales-aggregation",
      from: "committed",
      timestampField: null,
      maxFutureSkew: 3_600_000,
      idleTimeout: 1_000,
      stopWhenIdle: null,
      maxBufferedRecords: 20_000,
      fetchMaxBytes: 1024 * 1024,
      commitInterval: 5_000,
      kafkaRetryBudget: 60_000,
      sinks: ["console"],
      pgUrl: "postgres://postgres@127.0.0.1:5432/test",
      pgSchema: "public",
      pgRetryBudget: 60_000,
      parquetDir: "output/parquet",
      stateDir: "output/state",
      onStepError: "fail",
      onLostOffsets: "fail",
      metricsPort: null,
      logLevel: "info",
      logFormat: "auto",
      source: "kafka",
      sampleCount: 500,
      flink: {
        flinkMaster: "127.0.0.1:8081",
        jobEndpoint: "127.0.0.1:8099",
        parallelism: null,
        workerPool: null,
        expansionService: "127.0.0.1:8096",
        checkpointInterval: 10_000,
        restartAttempts: 3,
        stageClasspath: false,
        restoreFrom: null,
        savepointDir: path.resolve(".stack/flink/savepoints"),
      },
      dataflow: { project: null, region: null, tempLocation: null },
      dryRun: null,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  test("window kinds with their parameters; sessions aggregate per user unless --key says otherwise", () => {
    expect(parseWindow("fixed:1m")).toEqual({ kind: "fixed", size: 60_000, offset: 0 });
    expect(parseWindow("sliding:1m,10s")).toEqual({ kind: "sliding", size: 60_000, period: 10_000, offset: 0 });
    expect(parseWindow("session:30s")).toEqual({ kind: "sessions", gap: 30_000 });
    expect(parseOptions(["--window", "session:30s"]).key).toBe("user");
    expect(parseOptions(["--window", "session:30s", "--key", "product"]).key).toBe("product");
    expect(parseOptions(["--window", "sliding:1m,10s"]).key).toBe("product");
  });

  test("invalid windows say which forms are valid", () => {
    expect(oneLine(() => parseWindow("tumbling:1m"))).toMatch(/invalid --window "tumbling:1m".*fixed:<size> \| sliding:<size>,<period> \| session:<gap>/);
    expect(oneLine(() => parseWindow("fixed:1 minute"))).toMatch(/invalid --window/);
    expect(oneLine(() => parseWindow("sliding:10s,1m"))).toMatch(/period must not exceed the size/);
    expect(oneLine(() => parseWindow("fixed:0s"))).toMatch(/must be > 0/);
  });

  test("trigger presets: default, early firings, late firings, both", () => {
    expect(parseTrigger("default")).toEqual({});
    expect(parseTrigger("early:10s")).toEqual({ early: 10_000 });
    expect(parseTrigger("early:10s,late:1m")).toEqual({ early: 10_000, late: 60_000 });
    expect(triggerOf({})).toEqual({ kind: "default" });
    expect(triggerOf({ early: 10_000 })).toEqual({
      kind: "afterWatermark",
      early: { kind: "afterProcessingTime", delay: 10_000 },
      late: { kind: "afterCount", count: 1 },
    });
    expect(triggerOf({ late: 30_000 })).toEqual({
      kind: "afterWatermark",
      late: { kind: "afterProcessingTime", delay: 30_000 },
    });
    expect(oneLine(() => parseTrigger("sometimes"))).toMatch(/default \| early:<every> \| late:<every>/);
    expect(oneLine(() => parseTrigger("early:10s,early:5s"))).toMatch(/invalid --trigger/);
  });

  test("durations and the other Kafka knobs", () => {
    const config = parseOptions([
      "--watermark-delay=5s",
      "--allowed-lateness=2m",
      "--idle-timeout=1500ms",
      "--stop-when-idle=15s",
      "--from=earliest",
      "--bootstrap-servers=kafka1:9092,kafka2:9093",
      "--timestamp-field=timestamp",
      "--max-buffered=500",
      "--commit-interval=0s",
    ]);
    expect(config).toMatchObject({
      watermarkDelay: 5_000,
      allowedLateness: 120_000,
      idleTimeout: 1_500,
      stopWhenIdle: 15_000,
      from: "earliest",
      bootstrapServers: ["kafka1:9092", "kafka2:9093"],
      timestampField: "timestamp",
      maxBufferedRecords: 500,
      fetchMaxBytes: 1024 * 1024,
      commitInterval: 0,
    });
  });

  test("--sinks: any non-empty subset, in the order given; --pg-schema and --parquet-dir", () => {
    expect(parseOptions(["--sinks", "postgres"]).sinks).toEqual(["postgres"]);
    expect(parseOptions(["--sinks", "console, postgres,parquet"]).sinks).toEqual(["console", "postgres", "parquet"]);
    expect(parseOptions([], { SALES_SINKS: "parquet,console" }).sinks).toEqual(["parquet", "console"]);
    const config = parseOptions(["--pg-schema", "sales", "--parquet-dir", "/tmp/lake"]);
    expect([config.pgSchema, config.parquetDir]).toEqual(["sales", "/tmp/lake"]);
  });

  test("--state-dir: a folder for the direct runner's checkpoints, or off", () => {
    expect(parseOptions(["--state-dir", "/tmp/state"]).stateDir).toBe("/tmp/state");
    expect(parseOptions(["--state-dir", "off"]).stateDir).toBeNull();
    expect(() => parseOptions(["--state-dir", ""])).toThrow("--state-dir");
  });

  test("environment variables with the SALES_ prefix; the command line wins; PGURL for --pg-url", () => {
    const env = { SALES_WINDOW: "session:45s", SALES_TOPIC: "from-env", SALES_STOP_WHEN_IDLE: "10s", PGURL: "postgres://x@h/db" };
    const config = parseOptions(["--topic", "from-argv"], env);
    expect(config.window).toEqual({ kind: "sessions", gap: 45_000 });
    expect(config.topic).toBe("from-argv");
    expect(config.stopWhenIdle).toBe(10_000);
    expect(config.pgUrl).toBe("postgres://x@h/db");
    expect(parseOptions(["--pg-url", "postgres://y@h/db"], env).pgUrl).toBe("postgres://y@h/db");
  });

  test("unknown flags and invalid choices are one-line errors listing what is valid", () => {
    expect(oneLine(() => parseOptions(["--windw", "fixed:1m"]))).toMatch(/Unknown argument: windw.*valid options: --runner, --window/);
    expect(oneLine(() => parseOptions(["--runner", "spark"]))).toMatch(/Choices: "direct", "flink", "dataflow"/);
    expect(oneLine(() => parseOptions(["--from", "beginning"]))).toMatch(/Choices: "earliest", "latest", "committed"/);
    expect(oneLine(() => parseOptions(["--sinks", "kafka"]))).toMatch(/invalid --sinks "kafka": expected a comma-separated, non-empty subset of console, postgres, parquet/);
    expect(oneLine(() => parseOptions(["--sinks", ""]))).toMatch(/invalid --sinks ""/);
    expect(oneLine(() => parseOptions(["--sinks", "console,console"]))).toMatch(/each once/);
    expect(oneLine(() => parseOptions(["--pg-schema", " "]))).toBe("--pg-schema must not be empty");
    expect(oneLine(() => parseOptions(["--watermark-delay", "ten"]))).toMatch(/invalid --watermark-delay "ten"/);
    expect(oneLine(() => parseOptions(["--bootstrap-servers", "localhost"]))).toMatch(/expected host:port/);
    expect(oneLine(() => parseOptions(["--max-buffered", "0"]))).toMatch(/--max-buffered/);
    expect(oneLine(() => parseOptions(["stray"]))).toMatch(/Unknown argument: stray/);
    expect(oneLine(() => parseOptions([], { SALES_WINDOW: "weekly" }))).toMatch(/invalid --window "weekly"/);
  });

  test("flink reads Kafka (the sample on request); dataflow reads the sample; --source kafka with dataflow is a usage error", () => {
    expect(parseOptions(["--runner", "flink"]).source).toBe("kafka");
    expect(parseOptions(["--runner", "flink", "--source", "sample"]).source).toBe("sample");
    expect(parseOptions(["--runner=dataflow", "--project", "p"]).source).toBe("sample");
    expect(oneLine(() => parseOptions(["--runner", "dataflow", "--source", "kafka"]))).toMatch(
      /^--source kafka does not run on dataflow here .*; use --source sample$/,
    );
    const flink = parseOptions(["--runner", "flink", "--flink-master", "jm:8081", "--job-endpoint", "js:8099", "--parallelism", "2", "--worker-pool", "w:5000"]);
    expect(flink.flink).toMatchObject({ flinkMaster: "jm:8081", jobEndpoint: "js:8099", parallelism: 2, workerPool: "w:5000" });
    expect(oneLine(() => parseOptions(["--job-endpoint", "localhost"]))).toMatch(/invalid --job-endpoint "localhost": expected host:port/);
    expect(oneLine(() => parseOptions(["--parallelism", "0"]))).toMatch(/invalid --parallelism "0"/);
  });

  test("flink options: endpoints host:port, checkpoints off or a duration, parallelism and restarts whole numbers", () => {
    const f = parseOptions(["--runner=flink", "--job-endpoint", "h:1", "--parallelism", "2", "--checkpoint-interval", "off",
      "--restart-attempts", "0", "--restore-from", "/cp/chk-3"]).flink;
    expect(f).toMatchObject({ jobEndpoint: "h:1", parallelism: 2, checkpointInterval: null, restartAttempts: 0, restoreFrom: "/cp/chk-3" });
    expect(oneLine(() => parseOptions(["--flink-master", "nohost"]))).toMatch(/invalid --flink-master "nohost": expected host:port/);
    expect(oneLine(() => parseOptions(["--parallelism", "0"]))).toMatch(/invalid --parallelism "0"/);
    expect(oneLine(() => parseOptions(["--checkpoint-interval", "soon"]))).toMatch(/invalid --checkpoint-interval "soon"/);
  });

  test("--runner=dataflow here: one line naming what is missing; a bad flag exits 2", async () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await expect(main(["--runner=dataflow"], {})).rejects.toThrow(/^the dataflow runner needs .*--project, --region, --temp-location gs:\/\/…; see docs\/runners\.md/);
      expect(await main(["--window", "weekly"], {})).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual([
      expect.stringMatching(/"msg":"pipeline: dataflow runner, a generated sample of 500 records/),
      expect.stringMatching(/^pipeline: error: invalid --window "weekly": expected fixed:<size>.*\n$/),
    ]);
  });

  test.each(["direct", "flink", "dataflow"])("--dry-run on %s writes the pipeline proto as JSON and runs nothing", async (runner) => {
    const file = require("path").join(require("os").tmpdir(), `dry-run-${runner}-${process.pid}.json`) as string;
    const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      // The sample source on flink too: Kafka there needs the expansion service (test/integration/flink).
      const source = runner === "flink" ? ["--source", "sample"] : [];
      expect(await main([`--runner=${runner}`, ...source, "--dry-run", file], {})).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const proto = JSON.parse(require("fs").readFileSync(file, "utf8")) as {
      components: { transforms: Record<string, { uniqueName: string; spec?: { urn: string } }>; windowingStrategies: object };
    };
    const names = Object.values(proto.components.transforms).map((t) => t.uniqueName);
    expect(names).toEqual(expect.arrayContaining(["parseSalesEvents", "writeResults", "writeLateData", "writeDeadLetters"]));
    const urns = Object.values(proto.components.transforms).map((t) => t.spec?.urn);
    expect(urns).toContain("beam-ts:transform:windowed_combine_per_key:v1");
    expect(urns).toContain(runner === "direct" ? "beam-ts-streaming:transform:kafka_read:v1" : "beam:transform:teststream:v1");
    require("fs").rmSync(file);
  });
});

describe("issue 8 options", () => {
  test("--max-future-skew defaults to 1 h, takes a duration, 0 turns it off; --on-step-error is fail or dead-letter", () => {
    expect(parseOptions([]).maxFutureSkew).toBe(3_600_000);
    expect(parseOptions(["--max-future-skew", "10m"]).maxFutureSkew).toBe(600_000);
    expect(parseOptions(["--max-future-skew", "0"]).maxFutureSkew).toBe(0);
    expect(() => parseOptions(["--max-future-skew", "soon"])).toThrow(/invalid --max-future-skew "soon"/);
    expect(parseOptions(["--on-step-error", "dead-letter"]).onStepError).toBe("dead-letter");
    expect(() => parseOptions(["--on-step-error", "ignore"])).toThrow(/on-step-error/);
  });
});

describe("issue 21 options", () => {
  test("--stage-classpath reaches the flink runner's options; --log-format is auto, pretty or json", () => {
    expect(parseOptions(["--runner=flink", "--stage-classpath"]).flink.stageClasspath).toBe(true);
    expect(parseOptions([], { SALES_STAGE_CLASSPATH: "true" }).flink.stageClasspath).toBe(true);
    expect(runnerConfig(parseOptions(["--runner=flink", "--stage-classpath"])).stageClasspath).toBe(true);
    expect(runnerConfig(parseOptions(["--runner=flink"])).stageClasspath).toBeUndefined();
    expect(parseOptions(["--log-format", "json"]).logFormat).toBe("json");
    expect(() => parseOptions(["--log-format", "xml"])).toThrow(/log-format/);
  });
});
