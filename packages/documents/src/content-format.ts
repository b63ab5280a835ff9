import { parse as parseYaml, stringify as stringifyYaml, YAMLParseError } from 'yaml';
import { DocumentContentError } from './document-errors.ts';
import type { DocumentFormat } from './types.ts';

/** Line and column (both from 1) of a character offset. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

function parseJson(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const at = position ? lineAndColumn(content, Number(position[1])) : lineAndColumn(content, content.length);
    throw new DocumentContentError(`JSON not well-formed. at Line: ${at.line}, Column: ${at.column}`);
  }
}

function parseYamlContent(content: string): unknown {
  try {
    // The core schema only: no custom tags, no JavaScript-specific types. Duplicate keys are errors.
    return parseYaml(content, { schema: 'core', uniqueKeys: true, maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof YAMLParseError && error.linePos) {
      const [at] = error.linePos;
      throw new DocumentContentError(`YAML not well-formed. at Line: ${at.line}, Column: ${at.col}`);
    }
    throw new DocumentContentError('YAML not well-formed.');
  }
}

/** The object a document's content stands for. TEXT content is kept as the string it is. */
export function parseContent(content: string, format: DocumentFormat): unknown {
  switch (format) {
    case 'JSON':
      return parseJson(content);
    case 'YAML':
      return parseYamlContent(content);
    case 'TEXT':
      return content;
    default:
      throw new DocumentContentError(`Document format ${String(format)} is not supported.`);
  }
}

/** Writes an object in a format: JSON indented by two spaces, YAML in block style. */
export function formatContent(value: unknown, format: 'JSON' | 'YAML'): string {
  if (format === 'JSON') return JSON.stringify(value, null, 2);
  return stringifyYaml(value, { lineWidth: 0 });
}

/**
 * Converts content between JSON and YAML (GetDocument's DocumentFormat). The same format returns
 * the content untouched, so its hash still matches; TEXT converts to nothing else.
 */
export function convertDocumentContent(content: string, from: DocumentFormat, to: DocumentFormat): string {
  if (from === to) return content;
  if (from === 'TEXT' || to === 'TEXT') {
    throw new DocumentContentError(`A document in ${from} format can't be converted to ${to}.`);
  }
  return formatContent(parseContent(content, from), to);
}
