import type { ParsedDocument } from './types.ts';

/** DescribeDocument's `Parameters`: each definition's name, type, description and default (as text). */
export function describeParameters(doc: ParsedDocument): { Name: string; Type: string; Description?: string; DefaultValue?: string }[] {
  return Object.entries(doc.parameters).map(([name, definition]) => {
    const described: { Name: string; Type: string; Description?: string; DefaultValue?: string } = { Name: name, Type: definition.type };
    if (definition.description !== undefined) described.Description = definition.description;
    if (definition.default !== undefined) {
      described.DefaultValue = typeof definition.default === 'string' ? definition.default : JSON.stringify(definition.default);
    }
    return described;
  });
}
