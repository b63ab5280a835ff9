import { appendEvent, accountOptions, RETENTION_OPTION } from '../events/event-store.ts';
import type { Logger } from '../logger.ts';
import { deleteSecretNow, dueSecretDeletions } from '../secrets/secret-store.ts';
import type { Db } from '../store/store.ts';
import { parameterArn } from './names.ts';
import { deleteParameter, duePolicies, purgeDeleted, setPolicyDueAt, type VersionRow } from './parameter-store.ts';
import { decidePolicyActions, nextPolicyDueAt, policiesOfRow } from './policy-decisions.ts';
import { DEFAULT_RETENTION_DAYS } from './restore.ts';
import { PeriodicTask } from '../engine/periodic-task.ts';

export interface PolicySchedulerOptions {
  readonly db: Db;
  readonly now: () => number;
  readonly logger: Logger;
  /** How often to look, ms. Default 1000. */
  readonly intervalMs?: number;
}

const DAY = 24 * 60 * 60 * 1000;

/**
 * The thin loop that applies parameter policies: every pass reads the current versions that
 * carry policies, decides (policy-decisions.ts) and applies. Everything it needs is in the
 * store, so a restart simply resumes: an expiration that fell due while the server was down is
 * applied at the first pass. It also forgets deleted parameters past their retention and
 * deletes secrets whose recovery window has ended.
 */
export class PolicyScheduler {
  private readonly loop: PeriodicTask;

  constructor(private readonly options: PolicySchedulerOptions) {
    this.loop = new PeriodicTask({ name: 'parameter policy pass', intervalMs: options.intervalMs ?? 1000, run: () => this.runOnce(), logger: options.logger });
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One pass at the current time. */
  async runOnce(): Promise<void> {
    const { db } = this.options;
    const now = this.options.now();
    const rows = await duePolicies(db, now, 500);
    for (const decision of decidePolicyActions(rows, now)) {
      const row = decision.row;
      const arn = parameterArn(row.region, row.account_id, row.name);
      if (decision.kind === 'expire') {
        const deleted = await deleteParameter(db, { accountId: row.account_id, region: row.region }, row.name, { id: decision.eventId, at: now, by: 'bosun:parameter-policy:Expiration' }, {
          version: row.version,
          also: (tx) => appendEvent(tx, policyEvent(row, arn, 'Expiration', now, decision.eventId, 'Deleted: the Expiration policy\'s time has come')).then(() => undefined),
        });
        if (deleted) this.options.logger.info({ parameter: row.name, account: row.account_id, region: row.region }, 'parameter expired and deleted');
      } else {
        await appendEvent(db, policyEvent(row, arn, decision.policy, now, decision.eventId,
          decision.policy === 'ExpirationNotification' ? 'The parameter expires soon' : 'The parameter has not changed for the period set in its policy'));
      }
    }
    // What is left for each version that was due (notifications fired; an expiration not yet): the next due time.
    for (const row of rows) {
      let next: number | null = null;
      try {
        next = nextPolicyDueAt(policiesOfRow(row), Number(row.last_modified_at), now);
      } catch {
        next = null;
      }
      await setPolicyDueAt(db, row, next);
    }
    const retention = await accountOptions(db, RETENTION_OPTION);
    // One purge with the default, then accounts with their own retention.
    await purgeDeleted(db, now - DEFAULT_RETENTION_DAYS * DAY, { except: [...retention.keys()] });
    for (const [accountId, days] of retention) await purgeDeleted(db, now - Number(days) * DAY, { accountId });
    for (const secret of await dueSecretDeletions(db, now, 100)) await deleteSecretNow(db, secret.arn);
  }
}

function policyEvent(row: VersionRow, arn: string, policy: string, at: number, eventId: string, reason: string) {
  return {
    eventId,
    accountId: row.account_id,
    region: row.region,
    at,
    source: 'aws.ssm',
    detailType: 'Parameter Store Policy Action',
    resources: [arn],
    detail: { 'parameter-name': row.name, 'parameter-type': row.type, 'parameter-version': row.version, 'policy-type': policy, 'action-status': 'Finished', 'action-reason': reason },
  };
}
