/**
 * The local stack scripts. The shared broker (127.0.0.1:9092) is only asked `up` and `status`: other test files use
 * it concurrently, so stopping and restarting are tested on a second broker with its own ports and state dir.
 */
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { Kafka, logLevel } from "kafkajs";
import { Client } from "pg";
import * as yaml from "js-yaml";
import { freePort, freePorts } from "../../lib/ports";
import { isAlive } from "../../infra/stack/processes";
import { DEFAULT_PG_URL, stackOptions } from "../../infra/stack/options";
import { liveLeases, addLease } from "../../infra/stack/leases";
import { brokerStatus } from "../../infra/stack/kafka_broker";
import { postgresDown, postgresStatus } from "../../infra/stack/postgres_server";
import globalSetup from "../setup/global_setup";
import globalTeardown from "../setup/global_teardown";

const REPO = path.resolve(__dirname, "..", "..");
const MINUTE = 60_000;

interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function stack(args: string[], env: NodeJS.ProcessEnv = process.env): CliResult {
  const r = spawnSync(process.execPath, ["-r", "./tools/register.js", "infra/stack.ts", ...args], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 2 * MINUTE,
    env,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface StatusJson {
  kafka: { state: string; pid?: number; owner?: string; answering?: boolean; stalePid?: number; kafka?: boolean };
  postgres: { ok: boolean; url: string; state?: string; owner?: string; pid?: number };
}

function status(args: string[] = []): StatusJson {
  const r = stack(["status", "--json", ...args]);
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as StatusJson;
}

describe("the shared broker (only up and status: other tests are using it)", () => {
  test("up twice against the running broker: exit 0 both times, nothing restarted, owner unchanged", () => {
    const before = status();
    expect(["running", "foreign"]).toContain(before.kafka.state);
    const first = stack(["up"]);
    const second = stack(["up"]);
    for (const r of [first, second]) {
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(before.kafka.state === "running" ? /already running: kafka: running \(pid \d+/ : /using it/);
    }
    const after = status();
    // (toMatchObject would demand `pid: undefined` be present when the broker is another checkout's, "foreign")
    expect([after.kafka.state, after.kafka.pid, after.kafka.owner]).toEqual([before.kafka.state, before.kafka.pid, before.kafka.owner]);
  }, 2 * MINUTE);

  test("down from a checkout that did not start the broker says so and leaves it running", () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "stack-other-"));
    try {
      const before = status();
      const down = stack(["down", `--state-dir=${elsewhere}`]);
      expect(down.status).toBe(0);
      expect(down.stdout).toContain("kafka: not stopped: a broker this checkout did not start answers on 127.0.0.1:9092");
      const after = status().kafka;
      expect([after.state, after.pid, after.kafka]).toEqual([before.kafka.state, before.kafka.pid, before.kafka.kafka]);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  test("status reports PostgreSQL (the one at PGURL answers: it is used, never started or stopped)", () => {
    const s = status();
    expect(s.postgres.url).toBe(process.env.PGURL ?? DEFAULT_PG_URL);
    expect(s.postgres.ok).toBe(true);
  });
});

describe("a PostgreSQL the stack starts itself, on a free port (even though a system server runs)", () => {
  let dir: string;
  let url: string;
  let flags: string[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-pg-"));
    url = `postgres://postgres@127.0.0.1:${await freePort()}/sales_it`;
    flags = ["--only", "postgres", "--pg-url", url, "--pg-state-dir", dir];
  });

  afterAll(() => {
    stack(["down", ...flags]);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 2 * MINUTE);

  async function answers(): Promise<string | undefined> {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      return (await client.query<{ v: string }>("SELECT current_database() || ' ' || current_setting('server_version') AS v")).rows[0].v;
    } catch {
      return undefined;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  test("up starts PostgreSQL 17 with its data in the state dir and the URL's database; up again keeps it", async () => {
    expect(await answers()).toBeUndefined();
    const first = stack(["up", ...flags]);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`postgres up on ${url.replace(/[/.]/g, "\\$&")} in [0-9.]+ s`));
    expect(await answers()).toMatch(/^sales_it 17\./);
    expect(fs.existsSync(path.join(dir, "data", "PG_VERSION"))).toBe(true);
    const s = status(flags);
    expect(s.postgres).toMatchObject({ ok: true, state: "running", owner: "manual" });
    const again = stack(["up", ...flags]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`using it: postgres: running (pid ${String((s.postgres as { pid?: number }).pid)}`);
  }, 2 * MINUTE);

  test("down stops it (and only it); up starts it again with the data kept", async () => {
    const writer = new Client({ connectionString: url });
    await writer.connect();
    await writer.query("CREATE TABLE IF NOT EXISTS kept (x int)");
    await writer.end();
    const down = stack(["down", ...flags]);
    expect(down.status).toBe(0);
    expect(down.stdout).toMatch(/postgres: stopped pid \d+/);
    expect(await answers()).toBeUndefined();
    expect(status().postgres.ok).toBe(true); // the machine's server is untouched
    expect(stack(["up", ...flags]).status).toBe(0);
    const c = new Client({ connectionString: url });
    await c.connect();
    expect((await c.query("SELECT to_regclass('kept') IS NOT NULL AS kept")).rows[0]).toEqual({ kept: true });
    await c.end();
  }, 2 * MINUTE);

  test("jest global setup starts PostgreSQL when none answers at PGURL, and the last test run's teardown stops it", async () => {
    const saved = { ...process.env };
    const pgDir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-pg-setup-"));
    const kafkaDir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-pg-setup-kafka-"));
    const pgUrl = `postgres://postgres@127.0.0.1:${await freePort()}/test`;
    // Kafka: the shared broker answers (used as it is); leases and lock in a folder of this test's own.
    Object.assign(process.env, { PGURL: pgUrl, STACK_PG_DIR: pgDir, STACK_DIR: kafkaDir });
    try {
      await globalSetup();
      const pg = await postgresStatus({ url: pgUrl, stateDir: pgDir });
      expect(pg).toMatchObject({ state: "running", owner: "auto" });
      expect(liveLeases(stackOptions())).toEqual([process.pid]);
      await globalTeardown();
      expect(await postgresStatus({ url: pgUrl, stateDir: pgDir })).toMatchObject({ state: "stopped" });
      expect(isAlive((pg as { pid: number }).pid)).toBe(false);
    } finally {
      process.env = saved;
      await postgresDown({ url: pgUrl, stateDir: pgDir }).catch(() => undefined);
      fs.rmSync(pgDir, { recursive: true, force: true });
      fs.rmSync(kafkaDir, { recursive: true, force: true });
    }
  }, 2 * MINUTE);

  test("a URL on another machine that does not answer: one line, exit 1, nothing started", () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "stack-pg-remote-"));
    try {
      const r = stack(["up", "--only", "postgres", "--pg-url", "postgres://u:hunter2@192.0.2.1:5432/db", "--pg-state-dir", other]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("the stack starts one only on this machine");
      expect(r.stderr).not.toContain("hunter2");
      expect(fs.readdirSync(other)).toEqual([]);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  }, MINUTE);
});

describe("a second broker on its own ports and state dir", () => {
  let dir: string;
  let flags: string[];
  let bootstrap: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-it-"));
    const [kafkaPort, controllerPort] = await freePorts(2);
    flags = ["--kafka-port", String(kafkaPort), "--controller-port", String(controllerPort), "--state-dir", dir];
    bootstrap = `127.0.0.1:${kafkaPort}`;
    env = { STACK_KAFKA_PORT: String(kafkaPort), STACK_CONTROLLER_PORT: String(controllerPort), STACK_DIR: dir };
  });

  afterAll(() => {
    stack(["down", ...flags]);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 2 * MINUTE);

  /** In-process status (the CLI's `status --json` is exercised above; this saves a node start per check). */
  function statusHere() {
    return brokerStatus(stackOptions({}, { ...process.env, ...env }));
  }

  function pidOf(): number {
    return Number(fs.readFileSync(path.join(dir, "kafka.pid"), "utf8"));
  }

  test("up starts it and waits until it answers; up again keeps the same process", () => {
    const t0 = Date.now();
    const first = stack(["up", ...flags]);
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`kafka up on ${bootstrap} in [0-9.]+ s`));
    expect(Date.now() - t0).toBeLessThan(MINUTE);
    const pid = pidOf();
    expect(isAlive(pid)).toBe(true);

    const second = stack(["up", ...flags]);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`already running: kafka: running (pid ${pid}`);
    expect(status(flags).kafka).toMatchObject({ state: "running", pid, owner: "manual", answering: true });
  }, 2 * MINUTE);

  test("it is a working broker: a topic created on it is listed", async () => {
    const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: "kept_across_restarts", numPartitions: 2 }], waitForLeaders: true })).toBe(true);
      expect(await admin.listTopics()).toContain("kept_across_restarts");
    } finally {
      await admin.disconnect();
    }
  }, MINUTE);

  test("down stops the process; down again is fine; status says stopped", async () => {
    const pid = pidOf();
    const down = stack(["down", ...flags]);
    expect(down.status).toBe(0);
    expect(down.stdout).toContain(`kafka: stopped pid ${pid} (SIGTERM)`);
    expect(isAlive(pid)).toBe(false);
    expect(fs.existsSync(path.join(dir, "kafka.pid"))).toBe(false);

    const again = stack(["down", ...flags]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`kafka: not running (no broker on ${bootstrap})`);
    expect(await statusHere()).toEqual({ state: "stopped" });
  }, 2 * MINUTE);

  test("a stale pid file is reported and removed; up starts again and keeps the data", async () => {
    const deadPid = spawnSync("true").pid;
    expect(isAlive(deadPid)).toBe(false);
    fs.writeFileSync(path.join(dir, "kafka.pid"), `${deadPid}\n`);
    expect(status(flags).kafka).toEqual({ state: "stopped", stalePid: deadPid });
    expect(fs.existsSync(path.join(dir, "kafka.pid"))).toBe(false);

    const up = stack(["up", ...flags]);
    expect(up.status).toBe(0);
    const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).toContain("kept_across_restarts");
    } finally {
      await admin.disconnect();
    }
    expect(stack(["down", ...flags]).status).toBe(0);
  }, 2 * MINUTE);

  test("a port held by another program: one-line error naming the port, exit 1, nothing started", async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "stack-it-busy-"));
    try {
      const r = stack(["up", "--kafka-port", String(port), "--controller-port", String(await freePort()), "--state-dir", other]);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`port ${port} on 127.0.0.1 is taken by another program (not a Kafka broker)`);
      expect(fs.existsSync(path.join(other, "kafka.pid"))).toBe(false);
    } finally {
      server.close();
      fs.rmSync(other, { recursive: true, force: true });
    }
  }, MINUTE);

  test("a broker that does not answer in time: one line naming the log, exit 1, the process stopped", () => {
    const r = stack(["up", ...flags, "--timeout", "1"]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("Kafka did not answer a metadata request on 127.0.0.1:");
    expect(r.stderr).toContain(`(stopped it); see ${path.join(dir, "logs", "server.log")}`);
    expect(fs.existsSync(path.join(dir, "kafka.pid"))).toBe(false);
    const javaForDir = spawnSync("pgrep", ["-f", path.join(dir, "server.properties")], { encoding: "utf8" });
    expect(javaForDir.stdout.trim()).toBe("");
  }, 2 * MINUTE);

  test("no java on PATH: one line saying what to install, exit 1", () => {
    const r = stack(["up", ...flags], { ...process.env, PATH: "/nonexistent" });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      "stack: error: java not found on PATH: install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)",
    );
  });

  test("no jars yet and no mvn on PATH: one line saying what to install, exit 1", () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "stack-it-bin-"));
    const lib = fs.mkdtempSync(path.join(os.tmpdir(), "stack-it-lib-"));
    try {
      const java = spawnSync("sh", ["-c", "command -v java"], { encoding: "utf8" }).stdout.trim();
      fs.symlinkSync(fs.realpathSync(java), path.join(bin, "java"));
      const r = stack(["up", ...flags], { ...process.env, PATH: bin, STACK_LIB_DIR: lib });
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe("stack: error: mvn not found on PATH: install Maven 3 (e.g. apt-get install maven)");
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
      fs.rmSync(lib, { recursive: true, force: true });
    }
  });

  test("jest global setup/teardown: a test-started broker is stopped by the last test run holding a lease", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    let otherRun: ChildProcess | undefined;
    try {
      await globalSetup(); // nothing answers on the second broker's port: starts it, owned by test runs
      expect(await statusHere()).toMatchObject({ state: "running", owner: "auto", answering: true });
      const pid = pidOf();

      otherRun = spawn("sleep", ["60"]); // stands for another test run that still uses the broker
      const otherPid = otherRun.pid ?? 0;
      addLease(stackOptions(), otherPid);
      await globalTeardown();
      expect(isAlive(pid)).toBe(true);
      expect(liveLeases(stackOptions())).toEqual([otherPid]);

      otherRun.kill("SIGKILL");
      await new Promise((resolve) => otherRun?.once("exit", resolve));
      await globalSetup(); // already running: only takes a lease
      expect(pidOf()).toBe(pid);
      await globalTeardown(); // the last lease holder leaves: stops it
      expect(isAlive(pid)).toBe(false);
      expect(await statusHere()).toEqual({ state: "stopped" });
    } finally {
      otherRun?.kill("SIGKILL");
      process.env = saved;
    }
  }, 3 * MINUTE);
});

describe("docker-compose.yml", () => {
  type Service = { image: string; ports?: string[]; environment?: Record<string, unknown>; command?: string };
  const compose = yaml.load(fs.readFileSync(path.join(REPO, "docker-compose.yml"), "utf8")) as {
    services: Record<string, Service>;
  };

  test("Kafka in KRaft mode (no ZooKeeper), 3.9.x, on the CLI's default port 9092", () => {
    const kafka = compose.services.kafka;
    expect(kafka.image).toMatch(/^apache\/kafka:3\.9\./);
    expect(kafka.ports).toContain("127.0.0.1:9092:9092");
    expect(kafka.environment?.KAFKA_PROCESS_ROLES).toBe("broker,controller");
    expect(String(kafka.environment?.KAFKA_ADVERTISED_LISTENERS)).toContain("localhost:9092");
    expect(Object.keys(compose.services).some((s) => s.includes("zookeeper"))).toBe(false);
  });

  test("PostgreSQL with db test on 5432, Flink JobManager (REST 8081) and TaskManager", () => {
    expect(compose.services.postgres.ports).toContain("127.0.0.1:5432:5432");
    expect(compose.services.postgres.environment?.POSTGRES_DB).toBe("test");
    expect(compose.services.jobmanager.command).toBe("jobmanager");
    expect(compose.services.jobmanager.ports).toContain("127.0.0.1:8081:8081");
    expect(compose.services.taskmanager.command).toBe("taskmanager");
    expect(compose.services.taskmanager.image).toBe(compose.services.jobmanager.image);
  });
});
