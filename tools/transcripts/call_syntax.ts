/**
 * The expression syntax of Beam Python's trigger transcripts: `Name`, `Name(arg, kw=arg)`, integers and
 * `[int, ...]` lists, nested freely, e.g. `AfterWatermark(early=AfterCount(2), late=AfterCount(3))`.
 * A small tokenizer and recursive-descent parser; every node and every error carries its 1-based column
 * within the parsed text so callers can point at the offending character.
 */

export type CallExpression =
  | { readonly kind: "number"; readonly value: number; readonly column: number }
  | { readonly kind: "list"; readonly items: readonly CallExpression[]; readonly column: number }
  | {
      readonly kind: "call";
      readonly name: string;
      /** False for a bare name (`Default`), true when written with parentheses (`Default()`). */
      readonly called: boolean;
      readonly args: readonly CallExpression[];
      readonly kwargs: readonly KeywordArgument[];
      readonly column: number;
    };

export interface KeywordArgument {
  readonly name: string;
  readonly value: CallExpression;
  readonly column: number;
}

/** A syntax error at a 1-based column of the parsed text. */
export class CallSyntaxError extends Error {
  constructor(
    readonly column: number,
    readonly detail: string,
  ) {
    super(`column ${column}: ${detail}`);
    this.name = "CallSyntaxError";
  }
}

type TokenKind = "name" | "number" | "(" | ")" | "[" | "]" | "," | "=" | "end";

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly column: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const column = i + 1;
    if ("()[],=".includes(c)) {
      tokens.push({ kind: c as TokenKind, text: c, column });
      i++;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i));
    if (name) {
      tokens.push({ kind: "name", text: name[0], column });
      i += name[0].length;
      continue;
    }
    const number = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?/.exec(text.slice(i));
    if (number) {
      tokens.push({ kind: "number", text: number[0], column });
      i += number[0].length;
      continue;
    }
    throw new CallSyntaxError(column, `unexpected character '${c}'`);
  }
  tokens.push({ kind: "end", text: "", column: text.length + 1 });
  return tokens;
}

function describe(token: Token): string {
  return token.kind === "end" ? "end of expression" : `'${token.text}'`;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private peek(): Token {
    return this.tokens[this.position];
  }

  private next(): Token {
    const token = this.tokens[this.position];
    if (token.kind !== "end") this.position++;
    return token;
  }

  private expect(kind: TokenKind, what: string): Token {
    const token = this.next();
    if (token.kind !== kind) throw new CallSyntaxError(token.column, `expected ${what} but found ${describe(token)}`);
    return token;
  }

  parseAll(): CallExpression {
    const expression = this.parseExpression();
    const rest = this.peek();
    if (rest.kind !== "end") {
      throw new CallSyntaxError(rest.column, `unexpected ${describe(rest)} after a complete expression`);
    }
    return expression;
  }

  private parseExpression(): CallExpression {
    const token = this.next();
    switch (token.kind) {
      case "number":
        return { kind: "number", value: Number(token.text), column: token.column };
      case "[":
        return this.parseList(token);
      case "name":
        return this.parseCall(token);
      default:
        throw new CallSyntaxError(token.column, `expected a name, a number or a list but found ${describe(token)}`);
    }
  }

  private parseList(open: Token): CallExpression {
    const items: CallExpression[] = [];
    if (this.peek().kind === "]") {
      this.next();
      return { kind: "list", items, column: open.column };
    }
    for (;;) {
      items.push(this.parseExpression());
      const separator = this.next();
      if (separator.kind === "]") return { kind: "list", items, column: open.column };
      if (separator.kind !== ",") {
        throw new CallSyntaxError(separator.column, `expected ',' or ']' but found ${describe(separator)}`);
      }
    }
  }

  private parseCall(name: Token): CallExpression {
    if (this.peek().kind !== "(") {
      return { kind: "call", name: name.text, called: false, args: [], kwargs: [], column: name.column };
    }
    this.next();
    const args: CallExpression[] = [];
    const kwargs: KeywordArgument[] = [];
    if (this.peek().kind === ")") {
      this.next();
      return { kind: "call", name: name.text, called: true, args, kwargs, column: name.column };
    }
    for (;;) {
      const start = this.peek();
      const isKeyword = start.kind === "name" && this.tokens[this.position + 1]?.kind === "=";
      if (isKeyword) {
        this.next();
        this.next();
        if (kwargs.some((k) => k.name === start.text)) {
          throw new CallSyntaxError(start.column, `keyword argument '${start.text}' given twice`);
        }
        kwargs.push({ name: start.text, value: this.parseExpression(), column: start.column });
      } else {
        if (kwargs.length > 0) {
          throw new CallSyntaxError(start.column, "positional argument follows keyword argument");
        }
        args.push(this.parseExpression());
      }
      const separator = this.next();
      if (separator.kind === ")") break;
      if (separator.kind !== ",") {
        throw new CallSyntaxError(
          separator.column,
          `expected ',' or ')' in the arguments of ${name.text} but found ${describe(separator)}`,
        );
      }
      if (this.peek().kind === ")") {
        this.next();
        break;
      }
    }
    return { kind: "call", name: name.text, called: true, args, kwargs, column: name.column };
  }
}

/** Parses one expression; throws CallSyntaxError with the column of the first problem. */
export function parseCallExpression(text: string): CallExpression {
  if (text.trim() === "") throw new CallSyntaxError(1, "empty expression");
  return new Parser(tokenize(text)).parseAll();
}
