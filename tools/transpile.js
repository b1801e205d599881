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

function boundIdentifiers(name, out) {
  if (ts.isIdentifier(name)) out.push(name);
  else for (const element of name.elements) if (!ts.isOmittedExpression(element)) boundIdentifiers(element.name, out);
  return out;
}

/**
 * ts-closure-transform 0.1.8 keeps only the first element of an array destructuring declaration
 * (`const [a, b] = pair` becomes `const [a] = pair`). Before it runs, rewrite each such declaration as
 * `const { a, b } = (([a, b]) => ({ a, b }))(pair)`: parameter and object destructuring survive it, and the
 * array pattern keeps its exact semantics (iterables, holes, defaults, rest, nesting).
 */
function arrayDestructuringGuard(context) {
  const f = context.factory;
  const visit = (node) => {
    if (ts.isVariableDeclaration(node) && ts.isArrayBindingPattern(node.name) && node.initializer) {
      const names = boundIdentifiers(node.name, []);
      const arrow = f.createArrowFunction(
        undefined,
        undefined,
        [f.createParameterDeclaration(undefined, undefined, node.name)],
        undefined,
        f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
        f.createParenthesizedExpression(
          f.createObjectLiteralExpression(names.map((n) => f.createShorthandPropertyAssignment(n.text))),
        ),
      );
      const call = f.createCallExpression(f.createParenthesizedExpression(arrow), undefined, [
        ts.visitNode(node.initializer, visit),
      ]);
      const pattern = f.createObjectBindingPattern(
        names.map((n) => f.createBindingElement(undefined, undefined, n.text)),
      );
      return f.updateVariableDeclaration(node, pattern, node.exclamationToken, node.type, call);
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (sourceFile) => ts.visitNode(sourceFile, visit);
}

/**
 * ts-closure-transform 0.1.8 boxes a captured variable that is assigned somewhere (`let sent` becomes
 * `{ value }`) but leaves shorthand properties alone, so `{ sent }` would yield the box. Spelling the property
 * out (`{ sent: sent }`) lets the box rewrite reach it.
 */
function shorthandPropertyGuard(context) {
  const f = context.factory;
  const visit = (node) => {
    if (ts.isShorthandPropertyAssignment(node) && !node.objectAssignmentInitializer) {
      return f.createPropertyAssignment(node.name.text, f.createIdentifier(node.name.text));
    }
    if (ts.isComputedPropertyName(node)) {
      // An imported name in a computed key would be rewritten to the import's vanished module alias
      // (`[x_1.NAME]`): fresh identifiers resolve to the local binding the closure transform declares instead.
      const fresh = (inner) => (ts.isIdentifier(inner) ? f.createIdentifier(inner.text) : ts.visitEachChild(inner, fresh, context));
      return f.updateComputedPropertyName(node, fresh(ts.visitNode(node.expression, visit)));
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (sourceFile) => ts.visitNode(sourceFile, visit);
}

/**
 * ts-closure-transform 0.1.8 moves a boxed `for (let i = …; …)` variable into a block of its own, so a closure
 * over it throws "i is not defined" at run time. Refuse to compile that shape, with what to write instead.
 */
function forLetClosureCheck(fileName) {
  return (context) => {
    const check = (node) => {
      if (ts.isForStatement(node) && node.initializer && ts.isVariableDeclarationList(node.initializer)) {
        const names = new Set();
        for (const d of node.initializer.declarations) for (const n of boundIdentifiers(d.name, [])) names.add(n.text);
        const inClosure = (inner, nested) => {
          if (nested && ts.isIdentifier(inner) && names.has(inner.text)) {
            const { line, character } = inner.getSourceFile().getLineAndCharacterOfPosition(inner.getStart());
            throw new Error(
              `${fileName}:${line + 1}:${character + 1}: a closure captures the for-loop variable '${inner.text}', ` +
                "which ts-closure-transform 0.1.8 miscompiles; loop with for…of / forEach, or copy it into a const",
            );
          }
          ts.forEachChild(inner, (c) => inClosure(c, nested || ts.isFunctionLike(inner)));
        };
        inClosure(node.statement, false);
        if (node.condition) inClosure(node.condition, false);
        if (node.incrementor) inClosure(node.incrementor, false);
      }
      ts.forEachChild(node, check);
    };
    return (sourceFile) => {
      check(sourceFile);
      return sourceFile;
    };
  };
}

/**
 * ts-closure-transform 0.1.8 attaches a nested function's `__closure` through a temporary declared at the top of the
 * enclosing scope: `(_tct_transform_1 = (w) => …, _tct_transform_1.__closure = () => ({ … }), _tct_transform_1)`.
 * A function serialized into the pipeline proto carries its own source but not that temporary, so on a worker (Flink,
 * Dataflow) the assignment throws "_tct_transform_1 is not defined" in strict code. Rewrite each such sequence to
 * `((_tct_fn) => (_tct_fn.__closure = () => ({ … }), _tct_fn))(…)`: the same function and closure, no free name.
 */
function closureTemporaryGuard(context) {
  const f = context.factory;
  // The temporary is a generated name: compare the node itself (its text may be empty until printed).
  const isTemporary = (node) => ts.isIdentifier(node);
  const sameName = (a, b) => a === b || (ts.isIdentifier(a) && ts.isIdentifier(b) && ts.idText(a) !== "" && ts.idText(a) === ts.idText(b));
  const isComma = (node) => ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.CommaToken;
  const isAssign = (node) => ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken;
  const unwrap = (node) => (ts.isParenthesizedExpression(node) ? unwrap(node.expression) : node);
  // The sequence's three parts, from a comma list (what the closure transform builds) or nested comma operators.
  const parts = (node) => {
    if (ts.isCommaListExpression(node)) return node.elements.flatMap((e) => parts(unwrap(e)));
    if (isComma(node)) return [...parts(unwrap(node.left)), ...parts(unwrap(node.right))];
    return [node];
  };
  const visit = (node) => {
    const inner = unwrap(node);
    if (ts.isCommaListExpression(inner) || isComma(inner)) {
      const [define, attach, temp, ...rest] = parts(inner);
      if (
        rest.length === 0 && temp !== undefined && isTemporary(temp) &&
        isAssign(define) && sameName(define.left, temp) && ts.isFunctionLike(unwrap(define.right)) &&
        isAssign(attach) && ts.isPropertyAccessExpression(attach.left) && sameName(attach.left.expression, temp) &&
        ts.idText(attach.left.name) === "__closure"
      ) {
        const param = f.createUniqueName("_tct_fn");
        const body = f.createParenthesizedExpression(
          f.createComma(
            f.createAssignment(f.createPropertyAccessExpression(param, "__closure"), ts.visitNode(attach.right, visit)),
            param,
          ),
        );
        const arrow = f.createArrowFunction(
          undefined,
          undefined,
          [f.createParameterDeclaration(undefined, undefined, param)],
          undefined,
          f.createToken(ts.SyntaxKind.EqualsGreaterThanToken),
          body,
        );
        // `({ temp: fn }).temp`: the function keeps the name the assignment gave it (the SDK names a step by it).
        const named = f.createPropertyAccessExpression(
          f.createParenthesizedExpression(f.createObjectLiteralExpression([f.createPropertyAssignment(temp, ts.visitNode(define.right, visit))])),
          temp,
        );
        return f.createParenthesizedExpression(f.createCallExpression(f.createParenthesizedExpression(arrow), undefined, [named]));
      }
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (sourceFile) => ts.visitNode(sourceFile, visit);
}

function transpile(source, fileName) {
  const out = ts.transpileModule(source, {
    compilerOptions,
    fileName,
    reportDiagnostics: false,
    transformers: { before: [forLetClosureCheck(fileName), arrayDestructuringGuard, shorthandPropertyGuard, beforeTransform()], after: [afterTransform(), closureTemporaryGuard] },
  });
  return out.outputText;
}

module.exports = { transpile };
