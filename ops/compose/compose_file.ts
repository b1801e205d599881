/**
 * docker-compose.yml checked without Docker: against the Compose specification's JSON schema (compose-spec.json
 * beside this file, schema/compose-spec.json of the compose-spec repository at commit 170098ba, Apache-2.0; no
 * download at run time; ajv is a devDependency: only tests and tools import this module), and against this
 * project's rules for it: every published port bound to 127.0.0.1, PostgreSQL's password from compose.env (no trust
 * authentication), every env file present. test/unit/compose_file.test.ts runs it in `npm test`.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import draft07 from "ajv/dist/refs/json-schema-draft-07.json";
import yaml from "js-yaml";

const SCHEMA_FILE = path.join(__dirname, "compose-spec.json");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type ComposeObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is ComposeObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** The schema's validator (compiled once). Its `$schema` is draft-07 under an https id, which Ajv knows as http. */
let validator: ReturnType<Ajv["compile"]> | undefined;
function schemaValidator(): ReturnType<Ajv["compile"]> {
  if (validator === undefined) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addMetaSchema({ ...draft07, $id: "https://json-schema.org/draft-07/schema" });
    validator = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")) as object);
  }
  return validator;
}

/** Where the schema says the document is wrong, one line each ("/services/kafka: must NOT have … (prots)"). */
export function schemaErrors(doc: unknown): string[] {
  const validate = schemaValidator();
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra = e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : "";
    return `${e.instancePath || "/"}: ${e.message ?? e.keyword}${extra}`;
  });
}

/** A published port's host address: "127.0.0.1:5432:5432" → 127.0.0.1; "5432:5432" → undefined (every interface). */
export function publishedHostIp(port: Json): string | undefined {
  if (isObject(port)) return typeof port.host_ip === "string" ? port.host_ip : undefined;
  const parts = String(port).split(":");
  return parts.length === 3 ? parts[0] : undefined;
}

/** The project's rules, beyond the schema. `dir`: where the file's relative paths start. */
export function projectRuleErrors(doc: unknown, dir: string): string[] {
  const errors: string[] = [];
  const services = isObject(doc as Json) ? (doc as ComposeObject).services : undefined;
  if (!isObject(services)) return ["no services"];
  for (const [name, service] of Object.entries(services)) {
    if (!isObject(service)) continue;
    for (const port of Array.isArray(service.ports) ? service.ports : []) {
      const ip = publishedHostIp(port);
      if (ip !== "127.0.0.1") errors.push(`services.${name}.ports: ${JSON.stringify(port)} is published on ${ip ?? "every interface"}; bind it to 127.0.0.1`);
    }
    const files = service.env_file === undefined ? [] : Array.isArray(service.env_file) ? service.env_file : [service.env_file];
    for (const f of files) {
      const file = isObject(f) ? String(f.path) : String(f);
      if (!fs.existsSync(path.resolve(dir, file))) errors.push(`services.${name}.env_file: ${file} does not exist`);
    }
    const env = JSON.stringify(service.environment ?? {});
    if (/POSTGRES_HOST_AUTH_METHOD\W+trust/.test(env)) errors.push(`services.${name}: trust authentication lets anyone who reaches the port in`);
  }
  return errors;
}

/** Both checks of a compose file; [] when it is valid. */
export function composeFileErrors(file: string): string[] {
  const doc = yaml.load(fs.readFileSync(file, "utf8"));
  return [...schemaErrors(doc), ...projectRuleErrors(doc, path.dirname(file))];
}

/** KEY=value lines of an env file (comments and blank lines skipped). */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}
