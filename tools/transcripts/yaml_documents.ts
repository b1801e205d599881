/**
 * Splits a transcript file into its `---`-separated YAML documents and loads each with js-yaml, remembering
 * the file line of every mapping and sequence node (via js-yaml's parse listener) and of every top-level key,
 * so that errors can point at lines.
 */
import * as yaml from "js-yaml";
import { TranscriptError } from "./transcript_error";

export interface YamlDocument {
  readonly file: string;
  /** 1-based file line of the document's first line. */
  readonly firstLine: number;
  readonly text: string;
  readonly value: unknown;
  /** 1-based file line of a mapping or sequence node of `value`. */
  lineOf(node: unknown): number | undefined;
  /** 1-based file line and column of the value of a top-level key, if written on the key's line. */
  placeOfTopLevelKey(key: string): { line: number; column: number } | undefined;
}

const SEPARATOR = /^---(\s.*)?$/;

/** Loads every non-empty document of a file's text. Throws TranscriptError on YAML syntax errors. */
export function loadYamlDocuments(file: string, text: string): YamlDocument[] {
  const lines = text.split(/\r?\n/);
  const chunks: { firstLine: number; lines: string[] }[] = [];
  let current = { firstLine: 1, lines: [] as string[] };
  lines.forEach((line, i) => {
    if (SEPARATOR.test(line)) {
      chunks.push(current);
      current = { firstLine: i + 2, lines: [] };
    } else {
      current.lines.push(line);
    }
  });
  chunks.push(current);
  const documents: YamlDocument[] = [];
  for (const chunk of chunks) {
    const chunkText = chunk.lines.join("\n");
    const document = loadOne(file, chunk.firstLine, chunkText);
    if (document !== undefined) documents.push(document);
  }
  return documents;
}

function loadOne(file: string, firstLine: number, text: string): YamlDocument | undefined {
  const lines = new WeakMap<object, number>();
  const openLines: number[] = [];
  let value: unknown;
  try {
    value = yaml.load(text, {
      filename: file,
      listener(eventType, state) {
        if (eventType === "open") {
          openLines.push(state.line);
        } else {
          const line = openLines.pop();
          const result: unknown = state.result;
          if (line !== undefined && typeof result === "object" && result !== null) {
            lines.set(result, firstLine + line);
          }
        }
      },
    });
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const line = e.mark ? firstLine + e.mark.line : firstLine;
      const column = e.mark ? e.mark.column + 1 : 0;
      throw new TranscriptError(file, line, column, `YAML syntax error: ${e.reason}`);
    }
    throw e;
  }
  if (value === undefined || value === null) return undefined;
  const textLines = text.split("\n");
  return {
    file,
    firstLine,
    text,
    value,
    lineOf: (node) => (typeof node === "object" && node !== null ? lines.get(node) : undefined),
    placeOfTopLevelKey(key) {
      const pattern = new RegExp(`^${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*:\\s*`);
      for (let i = 0; i < textLines.length; i++) {
        const match = pattern.exec(textLines[i]);
        if (match) return { line: firstLine + i, column: match[0].length + 1 };
      }
      return undefined;
    },
  };
}
