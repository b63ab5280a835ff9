import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The agent's state directory, readable only by its user (0700, files 0600):
 *   identity.json  node id, account, region, endpoint and the Ed25519 private key
 *   outbox/        messages the server has not acked yet, one file each
 *   seen.json      ids of the server's latest messages, to handle each once
 *   commands/      one record per command received (Run Command), written before it runs
 *   invocations/   working directories of running commands (script files), removed when each ends
 * The key pair is the node's identity: an OS upgrade or a new NIC does not change it.
 */
export interface Identity {
  readonly instanceId: string;
  readonly accountId: string;
  readonly region: string;
  readonly endpoint: string;
  readonly privateKey: string;
  readonly publicKey: string;
}

export class AgentState {
  readonly outboxDir: string;
  readonly commandsDir: string;
  readonly invocationsDir: string;

  constructor(readonly dir: string) {
    // Commands run with their own working directory: a relative state path would name another place for them.
    if (!path.isAbsolute(dir)) throw new Error(`the agent's state directory must be an absolute path (got '${dir}'): resolve it where it is read`);
    this.outboxDir = path.join(dir, 'outbox');
    this.commandsDir = path.join(dir, 'commands');
    this.invocationsDir = path.join(dir, 'invocations');
  }

  ensure(): void {
    fs.mkdirSync(this.outboxDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.dir, 0o700);
    fs.chmodSync(this.outboxDir, 0o700);
  }

  readIdentity(): Identity | undefined {
    const file = path.join(this.dir, 'identity.json');
    if (!fs.existsSync(file)) return undefined;
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Identity;
  }

  writeIdentity(identity: Identity): void {
    writePrivate(path.join(this.dir, 'identity.json'), JSON.stringify(identity, null, 2) + '\n');
  }

  readSeen(): string[] {
    const file = path.join(this.dir, 'seen.json');
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as string[];
    } catch {
      return [];
    }
  }

  writeSeen(ids: readonly string[]): void {
    writePrivate(path.join(this.dir, 'seen.json'), JSON.stringify(ids));
  }
}

export function newKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Writes a file atomically, readable only by this user. */
export function writePrivate(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
