/**
 * boto3 (Python's AWS SDK, Debian's python3-boto3) as a client of end-to-end tests: a list of
 * calls runs in one Python process (boto3-steps.py), before the tests read its answers.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { skipUnless } from '../../packages/server/src/testing/requirements.ts';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'boto3-steps.py');

/** Why boto3 tests skip here (undefined when they run; CI requires them: .ci/run installs python3-boto3). */
export const skipWithoutBoto3 = skipUnless(fs.existsSync(PYTHON) && fs.existsSync('/usr/lib/python3/dist-packages/boto3'), `boto3 for ${PYTHON} (Debian package python3-boto3) is not installed`);

export interface Boto3Step {
  readonly id: string;
  readonly endpoint: string;
  /** boto3's client name: ssm, kms, secretsmanager, iam, sts, cloudtrail… */
  readonly service: string;
  readonly method: string;
  readonly params?: Record<string, unknown>;
  /** Access keys, or the id of an earlier AssumeRole step whose session credentials sign the call. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string } | { from: string };
  /** The region the client signs for (default us-east-1). */
  readonly region?: string;
}

 
export type Boto3Answer = { result?: any; error?: { code: string; message: string } };

/** Runs the steps in order in one Python process; answers by step id. */
export function runBoto3(steps: readonly Boto3Step[]): Promise<Record<string, Boto3Answer>> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT], { env: { PATH: process.env.PATH, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`boto3-steps.py exited with ${code}: ${stderr}`));
      resolve(JSON.parse(stdout) as Record<string, Boto3Answer>);
    });
    child.stdin.end(JSON.stringify(steps));
  });
}
