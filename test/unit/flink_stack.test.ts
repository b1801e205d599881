/** The Flink stack's decisions that need no JVM: a taken port is one line naming it; status of a stopped stack. */
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { flinkConf } from "../../infra/flink/config";
import { flinkStackOptions } from "../../infra/flink/options";
import { flinkStatus, flinkUp } from "../../infra/flink/services";

function listen(): Promise<net.Server> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

function portOf(server: net.Server): number {
  return (server.address() as net.AddressInfo).port;
}

test("a port taken by another program: one line naming the port, the service and how to find it; nothing started", async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "flink-stack-"));
  const rest = await listen();
  const free = await listen();
  const unused = portOf(free);
  await new Promise((r) => free.close(r));
  try {
    const o = flinkStackOptions({ stateDir, restPort: portOf(rest), jobPort: unused, expansionPort: unused });
    await expect(flinkUp(o, "auto", () => {})).rejects.toThrow(
      new RegExp(`^port ${portOf(rest)} on 127\\.0\\.0\\.1 \\(the jobmanager's\\) is taken by another program: stop it \\(find it with: ss -ltnp 'sport = :${portOf(rest)}'\\)`),
    );
    expect(fs.readdirSync(stateDir).filter((f) => f.endsWith(".pid"))).toEqual([]);
  } finally {
    rest.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test("status of a stack that is not running: every service stopped, stale pid files removed", async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), "flink-stack-"));
  const unused = await listen();
  const port = portOf(unused);
  await new Promise((r) => unused.close(r));
  try {
    fs.writeFileSync(path.join(stateDir, "taskmanager.pid"), "999999\n");
    const s = await flinkStatus(flinkStackOptions({ stateDir, restPort: port, jobPort: port }));
    expect(s.services.map((x) => `${x.name}:${x.state}`)).toEqual([
      "jobmanager:stopped",
      "taskmanager:stopped",
      "job-server:stopped",
      "expansion-service:stopped",
    ]);
    expect(s.services[1]).toEqual({ name: "taskmanager", state: "stopped", stalePid: 999999 });
    expect(fs.existsSync(path.join(stateDir, "taskmanager.pid"))).toBe(false);
    expect(s.foreign).toBe(false);
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test("flink-conf.yaml: everything on 127.0.0.1, temporary files under the state dir, Beam parent-first", () => {
  // The defaults, whatever FLINK_* the shell running the tests has (a second stack on other ports).
  const o = flinkStackOptions({ stateDir: "/x/.stack/flink" }, {});
  const conf = flinkConf(o, 6123);
  expect(conf).toContain("rest.port: 8081\n");
  expect(conf).toContain("rest.bind-address: 127.0.0.1\n");
  expect(conf).toContain("io.tmp.dirs: /x/.stack/flink/tmp\n");
  expect(conf).toContain("web.upload.dir: /x/.stack/flink/upload\n");
  expect(conf).toContain("classloader.resolve-order: parent-first\n");
  expect(conf).toContain("jobmanager.rpc.port: 6123\n");
});
