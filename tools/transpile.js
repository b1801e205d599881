// One compiler for every way this project runs TypeScript (node, jest, the benchmark scripts):
// TypeScript's transpiler plus ts-closure-transform, which attaches a `__closure` to every function so that
// Beam can serialize DoFns (with what they reference) into the pipeline proto. Type checking is `npm run typecheck`.
"use strict";
const ts = require("typescript");
const { beforeTransform, afterTransform } = require("ts-closure-transform");

const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  esModuleInterop: true,
  sourceMap: false,
  inlineSourceMap: true,
  inlineSources: true,
  resolveJsonModule: true,
};

function transpile(source, fileName) {
  const out = ts.transpileModule(source, {
    compilerOptions,
    fileName,
    reportDiagnostics: false,
    transformers: { before: [beforeTransform()], after: [afterTransform()] },
  });
  return out.outputText;
}

module.exports = { transpile };
