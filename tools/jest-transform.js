// Jest runs our TypeScript through the production compiler (closure transform included), so a test fails
// exactly where a pipeline would fail to serialize a DoFn.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { transpile } = require("./transpile");

// Keyed by the compiler's own source (as tools/register.js is), so a change to it recompiles every test file.
const compilerKey = crypto.createHash("sha1").update(fs.readFileSync(path.join(__dirname, "transpile.js"))).digest("hex");

module.exports = {
  process(source, fileName) {
    return { code: transpile(source, fileName) };
  },
  getCacheKey(source, fileName) {
    return crypto.createHash("sha1").update(source).update(fileName).update(compilerKey).digest("hex");
  },
};
