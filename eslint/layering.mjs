// @ts-check
/**
 * Enforces the package layering of DESIGN.md ("the arrows are the only imports allowed"):
 *
 *   protocol   → nothing of ours, and no I/O
 *   documents  → protocol, and no I/O
 *   server     → protocol, documents
 *   agent      → protocol, documents (never server)
 *   cli        → protocol, server, agent
 *   console    → protocol (types only)
 *
 * A package reaches another only through its name (@bosun/x), never by a relative path
 * out of its own folder.
 */
import path from 'node:path';

export const allowedImports = {
  protocol: [],
  documents: ['protocol'],
  server: ['protocol', 'documents'],
  agent: ['protocol', 'documents'],
  cli: ['protocol', 'server', 'agent'],
  console: ['protocol'],
};

/** Packages whose code must stay pure (no I/O modules). */
const pure = new Set(['protocol', 'documents']);
const ioModules = /^(node:)?(fs|fs\/promises|net|http|https|http2|dgram|dns|child_process|cluster|worker_threads|tls|readline|process)$/;

/** @param {string} filename */
function packageOf(filename) {
  const match = /[\\/]packages[\\/]([^\\/]+)[\\/]/.exec(filename);
  return match ? match[1] : undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Keep the package layering of DESIGN.md' },
    schema: [],
    messages: {
      forbidden: "{{from}} may not import {{to}}: allowed are {{allowed}} (DESIGN.md, Layout).",
      escape: "{{from}} may not reach into another package by a relative path ('{{source}}'); import it by its name @bosun/<package>.",
      io: "{{from}} must do no I/O: '{{source}}' is not allowed here (DESIGN.md, Decision 7).",
    },
  },
  create(context) {
    const filename = context.filename;
    const from = packageOf(filename);
    if (!from) return {};
    const allowed = /** @type {Record<string, string[]>} */ (allowedImports)[from] ?? [];
    /** @param {import('estree').Node} node @param {unknown} sourceValue */
    function check(node, sourceValue) {
      if (typeof sourceValue !== 'string') return;
      const source = sourceValue;
      const bosun = /^@bosun\/([^/]+)/.exec(source);
      if (bosun) {
        const to = bosun[1];
        if (to !== from && !allowed.includes(to)) {
          context.report({ node, messageId: 'forbidden', data: { from, to, allowed: allowed.length ? allowed.join(', ') : 'none' } });
        }
        return;
      }
      if (source.startsWith('.')) {
        const target = path.resolve(path.dirname(filename), source);
        const targetPackage = packageOf(target + path.sep);
        if (targetPackage && targetPackage !== from) context.report({ node, messageId: 'escape', data: { from, source } });
        return;
      }
      if (pure.has(from) && ioModules.test(source)) context.report({ node, messageId: 'io', data: { from, source } });
    }
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { layering: rule } };
