/**
 * docker-compose.yml, validated without Docker: the Compose specification's JSON schema (a typo or a wrong type
 * fails here) and the project's rules (ports on 127.0.0.1 only, PostgreSQL's password from compose.env, the
 * documented URLs carrying that password).
 */
import * as fs from "fs";
import * as path from "path";
import yaml from "js-yaml";
import { composeFileErrors, projectRuleErrors, readEnvFile, schemaErrors } from "../../ops/compose/compose_file";
import { parseOptions } from "../../pipelines/options";

const ROOT = path.join(__dirname, "..", "..");
const COMPOSE = path.join(ROOT, "docker-compose.yml");
type Doc = { services: Record<string, Record<string, unknown>> };
const load = (): Doc => yaml.load(fs.readFileSync(COMPOSE, "utf8")) as Doc;

describe("docker-compose.yml", () => {
  test("is valid against the Compose specification's schema and the project's rules", () => {
    expect(composeFileErrors(COMPOSE)).toEqual([]);
  });

  test("the schema catches a misspelt key, a wrong type and an unknown top-level section", () => {
    const typo = load();
    typo.services.kafka.prots = typo.services.kafka.ports;
    expect(schemaErrors(typo)).toEqual(["/services/kafka: must NOT have additional properties (prots)"]);
    const wrongType = load();
    wrongType.services.postgres.ports = "127.0.0.1:5432:5432";
    expect(schemaErrors(wrongType).some((e) => e.startsWith("/services/postgres/ports: must be array"))).toBe(true);
    expect(schemaErrors({ ...load(), servics: {} })).toEqual(["/: must NOT have additional properties (servics)"]);
  });

  test("publishes every port on 127.0.0.1 only; a port on every interface or trust auth is refused", () => {
    const doc = load();
    const ports = Object.values(doc.services).flatMap((s) => (s.ports as string[] | undefined) ?? []);
    expect(ports.length).toBeGreaterThanOrEqual(8);
    for (const p of ports) expect(p).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
    doc.services.postgres.ports = ["5432:5432"];
    doc.services.postgres.environment = { POSTGRES_HOST_AUTH_METHOD: "trust" };
    expect(projectRuleErrors(doc, ROOT)).toEqual([
      'services.postgres.ports: "5432:5432" is published on every interface; bind it to 127.0.0.1',
      "services.postgres: trust authentication lets anyone who reaches the port in",
    ]);
  });

  test("PostgreSQL's password comes from compose.env; the documented PGURL carries it", () => {
    const postgres = load().services.postgres;
    expect(postgres.env_file).toEqual([{ path: "./compose.env", required: true }]);
    const password = readEnvFile(path.join(ROOT, "compose.env")).POSTGRES_PASSWORD;
    expect(password).toMatch(/^\S{8,}$/);
    const url = `postgres://postgres:${password}@127.0.0.1:5432/test`;
    for (const doc of ["docker-compose.yml", "compose.env", "README.md"]) {
      expect(`${doc}: ${fs.readFileSync(path.join(ROOT, doc), "utf8").includes(url)}`).toBe(`${doc}: true`);
    }
  });

  test("the documented Flink command parses, and its worker pool is the one in the TaskManager's namespace", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8").replace(/\s*\n\s*/g, " ");
    const command = /`npm run pipeline -- (--runner=flink --stage-classpath [^`]*)`/.exec(readme)?.[1];
    expect(command).toBeDefined();
    const config = parseOptions((command ?? "").split(" "), {});
    expect([config.runner, config.flink.stageClasspath, config.flink.workerPool, config.bootstrapServers]).toEqual([
      "flink", true, "127.0.0.1:5555", ["kafka:19092"],
    ]);
    const header = fs.readFileSync(COMPOSE, "utf8").replace(/\s*\\?\n#\s*/g, " ");
    expect(header).toContain(`npm run pipeline -- ${command ?? ""}`);
    const workers = load().services["ts-workers"];
    expect([workers.network_mode, (workers.command as string[]).slice(-2)]).toEqual(["service:taskmanager", ["--port", "5555"]]);
  });
});
