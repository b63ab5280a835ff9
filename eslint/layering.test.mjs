// Tests of the layering rule: each arrow of DESIGN.md's layout, allowed and forbidden.
import { describe, it } from 'node:test';
import path from 'node:path';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import bosun from './layering.mjs';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' } });
const file = (pkg) => path.join(process.cwd(), 'packages', pkg, 'src', 'x.ts');

tester.run('bosun/layering', bosun.rules.layering, {
  valid: [
    { code: "import { a } from './errors.ts';", filename: file('protocol') },
    { code: "import { a } from '@bosun/protocol';", filename: file('documents') },
    { code: "import { a } from '@bosun/protocol'; import { b } from '@bosun/documents';", filename: file('server') },
    { code: "import { a } from '@bosun/documents';", filename: file('agent') },
    { code: "import { a } from '@bosun/server'; import { b } from '@bosun/agent';", filename: file('cli') },
    { code: "import type { A } from '@bosun/protocol';", filename: file('console') },
    { code: "import fs from 'node:fs';", filename: file('server') },
    { code: "import fs from 'node:fs';", filename: path.join(process.cwd(), 'scripts', 'x.ts') },
  ],
  invalid: [
    { code: "import { a } from '@bosun/server';", filename: file('protocol'), errors: [{ messageId: 'forbidden' }] },
    { code: "import { a } from '@bosun/server';", filename: file('documents'), errors: [{ messageId: 'forbidden' }] },
    { code: "import { a } from '@bosun/server';", filename: file('agent'), errors: [{ messageId: 'forbidden' }] },
    { code: "export * from '@bosun/cli';", filename: file('server'), errors: [{ messageId: 'forbidden' }] },
    { code: "const m = import('@bosun/server');", filename: file('agent'), errors: [{ messageId: 'forbidden' }] },
    { code: "import { a } from '@bosun/server';", filename: file('console'), errors: [{ messageId: 'forbidden' }] },
    { code: "import { a } from '../../server/src/index.ts';", filename: file('agent'), errors: [{ messageId: 'escape' }] },
    { code: "import fs from 'node:fs';", filename: file('protocol'), errors: [{ messageId: 'io' }] },
    { code: "import { spawn } from 'child_process';", filename: file('documents'), errors: [{ messageId: 'io' }] },
  ],
});
