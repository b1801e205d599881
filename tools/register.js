// `node -r ./tools/register.js file.ts` runs TypeScript through the same closure-transforming compiler as jest.
"use strict";
const fs = require("fs");
const { transpile } = require("./transpile");

require.extensions[".ts"] = function compileTs(module, fileName) {
  const js = transpile(fs.readFileSync(fileName, "utf8"), fileName);
  module._compile(js, fileName);
};
require("source-map-support/register");
