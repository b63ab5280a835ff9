import { outcome, PluginInputError, type AgentPlugin } from './plugin.ts';

/** AWS's limit on nested aws:runDocument calls. */
export const MAX_NESTING_DEPTH = 3;

export interface RunDocumentInput {
  readonly documentName: string;
  readonly documentVersion?: string;
  /** SendCommand-style values: each parameter as a list of strings. */
  readonly parameters: Record<string, readonly string[]>;
}

/**
 * aws:runDocument: runs another Command document, found by name or ARN with GetDocument through
 * the API (documentType SSMDocument; LocalPath is not supported), with documentParameters
 * (a JSON object, as text or inline). Its steps' output becomes this step's output; its status
 * is that of the nested run.
 */
export const runDocumentPlugin: AgentPlugin<RunDocumentInput> = {
  name: 'aws:runDocument',
  parseInput(inputs) {
    const type = inputs.documentType ?? 'SSMDocument';
    if (type !== 'SSMDocument') throw new PluginInputError(`documentType ${JSON.stringify(type)} is not supported: only SSMDocument`);
    const documentPath = inputs.documentPath;
    if (typeof documentPath !== 'string' || documentPath === '') throw new PluginInputError('documentPath must name a document (its name or ARN)');
    // A name may carry a version: NAME:VERSION.
    const versioned = /^([^:]+):(\d+|\$LATEST|\$DEFAULT)$/.exec(documentPath);
    let raw: unknown = inputs.documentParameters ?? {};
    if (typeof raw === 'string') {
      if (raw.trim() === '') raw = {};
      else {
        try {
          raw = JSON.parse(raw) as unknown;
        } catch {
          throw new PluginInputError('documentParameters must be a JSON object');
        }
      }
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new PluginInputError('documentParameters must be a JSON object');
    const parameters: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      parameters[name] = Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : [typeof value === 'string' ? value : JSON.stringify(value)];
    }
    return versioned ? { documentName: versioned[1], documentVersion: versioned[2], parameters } : { documentName: documentPath, parameters };
  },
  async run(input, context) {
    if (context.depth >= MAX_NESTING_DEPTH) {
      context.output.write('stderr', `failed to run document ${input.documentName}: aws:runDocument may nest at most ${MAX_NESTING_DEPTH} levels\n`);
      return outcome.failed(1);
    }
    return context.runNested({ ...input, output: context.output, signal: context.signal, depth: context.depth + 1 });
  },
};
