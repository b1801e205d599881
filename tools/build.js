// `npm run build`: compiles every TypeScript file of the project into dist/ with the same compiler node and jest
// use (tools/transpile.js), so `node dist/pipelines/main.js` runs exactly what the tests ran.
// (ts-patch's tspc with the same transformers crashes on this project in ts-closure-transform 0.1.8.)
"use strict";
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { transpile } = require("./transpile");

const root = path.resolve(__dirname, "..");
const out = path.join(root, "dist");
const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.endsWith(".d.ts"));
fs.rmSync(out, { recursive: true, force: true });
for (const file of files) {
  const target = path.join(out, file.replace(/\.ts$/, ".js"));
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, transpile(fs.readFileSync(path.join(root, file), "utf8"), path.join(root, file)));
}
// The status page's static files (ops/status_page/: HTML, JS, CSS) are served as they are.
const assets = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "ops/status_page"], { cwd: root, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.endsWith(".ts"));
for (const file of assets) {
  fs.mkdirSync(path.dirname(path.join(out, file)), { recursive: true });
  fs.copyFileSync(path.join(root, file), path.join(out, file));
}
process.stdout.write(`build: ${files.length} files compiled into dist/, ${assets.length} static files copied\n`);
