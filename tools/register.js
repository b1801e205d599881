// `node -r ./tools/register.js file.ts` runs TypeScript through the same closure-transforming compiler as jest.
// Compiled files are cached on disk (node_modules/.cache/beam-ts), keyed by their source and the compiler itself,
// so only changed files are compiled again.
"use strict";
const fs = require("fs");
const path = require("path");
const crypto = require("crypto");

const cacheDir = path.join(__dirname, "..", "node_modules", ".cache", "beam-ts");
// A checkout without its packages (npm test and npm start install them; the other scripts do not): say so in one
// line rather than with Node's stack of "Cannot find module".
for (const pkg of ["typescript", "ts-closure-transform"]) {
  try {
    require.resolve(`${pkg}/package.json`);
  } catch {
    process.stderr.write(`the project's npm packages are not installed (${pkg} is missing): run npm ci in ${path.join(__dirname, "..")} first\n`);
    process.exit(1);
  }
}
const compilerKey = crypto
  .createHash("sha1")
  .update(fs.readFileSync(path.join(__dirname, "transpile.js")))
  .update(require("typescript/package.json").version)
  .update(require("ts-closure-transform/package.json").version)
  .digest("hex");
let transpile;

function compiled(source, fileName) {
  const key = crypto.createHash("sha1").update(compilerKey).update(fileName).update(source).digest("hex");
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, "utf8");
  } catch {
    transpile = transpile || require("./transpile").transpile;
    const js = transpile(source, fileName);
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const temp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(temp, js);
      fs.renameSync(temp, cached);
    } catch {
      // A read-only tree still runs, just without the cache.
    }
    return js;
  }
}

require.extensions[".ts"] = function compileTs(module, fileName) {
  module._compile(compiled(fs.readFileSync(fileName, "utf8"), fileName), fileName);
};
require("source-map-support/register");
