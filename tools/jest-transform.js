// Jest runs our TypeScript through the production compiler (closure transform included), so a test fails
// exactly where a pipeline would fail to serialize a DoFn.
"use strict";
const crypto = require("crypto");
const { transpile } = require("./transpile");

module.exports = {
  process(source, fileName) {
    return { code: transpile(source, fileName) };
  },
  getCacheKey(source, fileName) {
    return crypto.createHash("sha1").update(source).update(fileName).update("closure-v4").digest("hex");
  },
};
