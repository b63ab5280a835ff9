import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAwsError } from '@bosun/protocol';
import { holds, chooseNext } from './choices.ts';
import { currentStep, replay, type AutomationEvent } from './execution-history.ts';
import { decide, stepFacts, wakeTime, type Decision, type ExecutionFacts } from './executor.ts';
import { loadRunbook } from './runbook.ts';
import { select, selectOutputs } from './selectors.ts';

const NOW = 1_800_000_000_000;
const ID = 'e0000000-0000-4000-8000-000000000001';

function facts(steps: unknown[], extra: Record<string, unknown> = {}, parameters: Record<string, unknown> = {}): ExecutionFacts {
  const content = JSON.stringify({ schemaVersion: '0.3', parameters: Object.fromEntries(Object.keys(parameters).map((k) => [k, { type: 'String' }])), mainSteps: steps, ...extra });
  return { executionId: ID, accountId: '123456789012', region: 'us-east-1', parameters, runbook: loadRunbook(content, parameters) };
}

/** Applies `append` decisions until the executor waits, acts or ends; returns the log and the last decision. */
function drive(f: ExecutionFacts, log: AutomationEvent[], now: number): Decision {
  for (;;) {
    const decision = decide(f, replay(ID, log, stepFacts(f.runbook)), now);
    if (decision.kind !== 'append') return decision;
    log.push(...decision.events);
  }
}

const stateOf = (f: ExecutionFacts, log: AutomationEvent[]) => replay(ID, log, stepFacts(f.runbook));
const sleep = (name: string, duration = 'PT10S', more: Record<string, unknown> = {}) => ({ name, action: 'aws:sleep', inputs: { Duration: duration }, ...more });

describe('executor', () => {
  test('aws:sleep waits until its wake time and the execution succeeds when the last step ends', () => {
    const f = facts([sleep('a'), sleep('b', 'PT1M')]);
    const log: AutomationEvent[] = [];
    assert.deepEqual(drive(f, log, NOW), { kind: 'wait', until: NOW + 10_000 });
    assert.deepEqual(drive(f, log, NOW + 9_999), { kind: 'wait', until: NOW + 10_000 });
    assert.deepEqual(drive(f, log, NOW + 10_000), { kind: 'wait', until: NOW + 70_000 });
    assert.equal(drive(f, log, NOW + 70_000).kind, 'ended');
    const state = stateOf(f, log);
    assert.equal(state.status, 'Success');
    assert.deepEqual(state.steps.map((s) => [s.name, s.status]), [['a', 'Success'], ['b', 'Success']]);
  });

  test('a replayed log resumes a sleeping step where it was, without starting it again', () => {
    const f = facts([sleep('a'), sleep('b')]);
    const log: AutomationEvent[] = [];
    drive(f, log, NOW);
    const started = log.filter((e) => e.type === 'StepStarted').length;
    // A restart long after: the same log, a later clock.
    const copy = JSON.parse(JSON.stringify(log)) as AutomationEvent[];
    assert.deepEqual(drive(f, copy, NOW + 5_000), { kind: 'wait', until: NOW + 10_000 });
    assert.equal(copy.filter((e) => e.type === 'StepStarted').length, started);
  });

  test('nextStep and isEnd decide the flow instead of the order of the steps', () => {
    const f = facts([sleep('a', 'PT0S', { nextStep: 'c' }), sleep('b', 'PT0S'), sleep('c', 'PT0S', { isEnd: true }), sleep('d', 'PT0S')]);
    const log: AutomationEvent[] = [];
    assert.equal(drive(f, log, NOW).kind, 'ended');
    assert.deepEqual(stateOf(f, log).steps.map((s) => s.name), ['a', 'c']);
  });

  test('onFailure Abort ends the execution Failed with the step failure', () => {
    const f = facts([sleep('a', 'nonsense'), sleep('b')]);
    const log: AutomationEvent[] = [];
    assert.equal(drive(f, log, NOW).kind, 'ended');
    const state = stateOf(f, log);
    assert.equal(state.status, 'Failed');
    assert.match(state.failureMessage!, /Step a failed: Duration nonsense is not an ISO 8601 duration/);
    assert.equal(state.steps.length, 1);
  });

  test('onFailure Continue goes on, and the execution still fails when the step is critical', () => {
    const f = facts([sleep('a', 'bad', { onFailure: 'Continue' }), sleep('b', 'PT0S')]);
    const log: AutomationEvent[] = [];
    drive(f, log, NOW);
    const state = stateOf(f, log);
    assert.deepEqual(state.steps.map((s) => [s.name, s.status]), [['a', 'Failed'], ['b', 'Success']]);
    assert.equal(state.status, 'Failed');
  });

  test('a failed step with isCritical false does not fail the execution', () => {
    const f = facts([sleep('a', 'bad', { onFailure: 'Continue', isCritical: false }), sleep('b', 'PT0S')]);
    const log: AutomationEvent[] = [];
    drive(f, log, NOW);
    assert.equal(stateOf(f, log).status, 'Success');
  });

  test('onFailure step:NAME goes to that step', () => {
    const f = facts([sleep('a', 'bad', { onFailure: 'step:recover', isCritical: false }), sleep('b', 'PT0S'), sleep('recover', 'PT0S')]);
    const log: AutomationEvent[] = [];
    drive(f, log, NOW);
    assert.deepEqual(stateOf(f, log).steps.map((s) => s.name), ['a', 'recover']);
  });

  test('maxAttempts runs a failing step again, as attempts of one step execution', () => {
    const f = facts([{ name: 'p', action: 'aws:pause', inputs: {}, maxAttempts: 2, timeoutSeconds: 5 }]);
    const log: AutomationEvent[] = [];
    assert.deepEqual(drive(f, log, NOW), { kind: 'wait', until: NOW + 5_000 });
    assert.deepEqual(drive(f, log, NOW + 5_000), { kind: 'wait', until: NOW + 10_000 });
    let state = stateOf(f, log);
    assert.equal(state.steps.length, 1);
    assert.equal(state.steps[0].attempt, 2);
    assert.equal(drive(f, log, NOW + 10_000).kind, 'ended');
    state = stateOf(f, log);
    assert.equal(state.steps[0].status, 'TimedOut');
    assert.equal(state.status, 'Failed');
  });

  test('aws:pause waits for Resume, with status Waiting', () => {
    const f = facts([{ name: 'p', action: 'aws:pause', inputs: {} }]);
    const log: AutomationEvent[] = [];
    assert.deepEqual(drive(f, log, NOW), { kind: 'wait', until: null });
    assert.equal(stateOf(f, log).status, 'Waiting');
    log.push({ type: 'SignalReceived', at: NOW + 1, step: 'p', signal: 'Resume', by: 'arn:aws:iam::123456789012:user/a' });
    assert.equal(drive(f, log, NOW + 1).kind, 'ended');
    assert.equal(stateOf(f, log).status, 'Success');
  });

  test('aws:approve needs MinRequiredApprovals distinct approvers', () => {
    const f = facts([{ name: 'ok', action: 'aws:approve', inputs: { Approvers: ['arn:aws:iam::123456789012:user/a', 'arn:aws:iam::123456789012:user/b'], MinRequiredApprovals: 2 } }]);
    const log: AutomationEvent[] = [];
    drive(f, log, NOW);
    const approve = (by: string): AutomationEvent => ({ type: 'SignalReceived', at: NOW, step: 'ok', signal: 'Approve', by });
    log.push(approve('arn:aws:iam::123456789012:user/a'), approve('arn:aws:iam::123456789012:user/a'));
    assert.deepEqual(drive(f, log, NOW), { kind: 'wait', until: null });
    log.push(approve('arn:aws:iam::123456789012:user/b'));
    assert.equal(drive(f, log, NOW).kind, 'ended');
    const state = stateOf(f, log);
    assert.equal(state.status, 'Success');
    assert.equal(state.steps[0].outputs.ApprovalStatus, 'Approved');
  });

  test('a rejection fails an aws:approve step', () => {
    const f = facts([{ name: 'ok', action: 'aws:approve', inputs: { Approvers: ['x'] } }]);
    const log: AutomationEvent[] = [];
    drive(f, log, NOW);
    log.push({ type: 'SignalReceived', at: NOW, step: 'ok', signal: 'Reject', by: 'arn:x' });
    drive(f, log, NOW);
    const state = stateOf(f, log);
    assert.equal(state.status, 'Failed');
    assert.match(state.steps[0].failureMessage!, /rejected by arn:x/);
  });

  test('a stop during a step cancels the step and the execution', () => {
    const f = facts([sleep('a'), sleep('b')]);
    const log: AutomationEvent[] = [];
    drive(f, log, NOW);
    log.push({ type: 'CancelRequested', at: NOW + 1, by: 'arn:x' });
    drive(f, log, NOW + 1);
    const state = stateOf(f, log);
    assert.equal(state.status, 'Cancelled');
    assert.deepEqual(state.steps.map((s) => [s.name, s.status]), [['a', 'Cancelled']]);
  });

  test('aws:branch takes the first choice that holds, with And, Or and Not', () => {
    const steps = (env: string) => facts([
      { name: 'choose', action: 'aws:branch', inputs: { Choices: [
        { NextStep: 'prod', And: [{ Variable: '{{ Env }}', StringEquals: 'prod' }, { Not: { Variable: '{{ Env }}', StartsWith: 'dev' } }] },
        { NextStep: 'other', Or: [{ Variable: '{{ Env }}', EqualsIgnoreCase: 'TEST' }, { Variable: '{{ Env }}', Contains: 'stag' }] },
      ], Default: 'fallback' } },
      sleep('prod', 'PT0S', { isEnd: true }), sleep('other', 'PT0S', { isEnd: true }), sleep('fallback', 'PT0S'),
    ], {}, { Env: env });
    for (const [env, expected] of [['prod', 'prod'], ['test', 'other'], ['staging', 'other'], ['dev', 'fallback']]) {
      const f = steps(env);
      const log: AutomationEvent[] = [];
      drive(f, log, NOW);
      assert.deepEqual(stateOf(f, log).steps.map((s) => s.name), ['choose', expected], env);
    }
  });

  test('aws:branch with no matching choice and no Default fails the step', () => {
    const f = facts([{ name: 'choose', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'x', Variable: '{{ N }}', NumericGreater: 5 }] } }, sleep('x', 'PT0S')], {}, { N: '3' });
    const log: AutomationEvent[] = [];
    drive(f, log, NOW);
    assert.match(stateOf(f, log).steps[0].failureMessage!, /No choice matched/);
  });

  test('inputs resolve step outputs and automation variables when the step starts', () => {
    const f = facts([
      { name: 'ok', action: 'aws:approve', inputs: { Approvers: ['x'] } },
      { name: 'p', action: 'aws:pause', inputs: { Message: '{{ ok.ApprovalStatus }} in {{ automation:EXECUTION_ID }} of {{ global:ACCOUNT_ID }}' } },
    ]);
    const log: AutomationEvent[] = [];
    drive(f, log, NOW);
    log.push({ type: 'SignalReceived', at: NOW, step: 'ok', signal: 'Approve', by: 'x' });
    drive(f, log, NOW);
    assert.equal(currentStep(stateOf(f, log))!.inputs.Message, `Approved in ${ID} of 123456789012`);
  });

  test('an input that names an output no step produced fails the step', () => {
    const f = facts([{ name: 'p', action: 'aws:pause', inputs: { Message: '{{ nowhere.Out }}' } }]);
    const log: AutomationEvent[] = [];
    drive(f, log, NOW);
    assert.match(stateOf(f, log).steps[0].failureMessage!, /Unable to resolve \{\{ nowhere.Out \}\}/);
  });

  test('aws:executeAwsApi and aws:runCommand are acted on by the engine', () => {
    const f = facts([{ name: 'call', action: 'aws:executeAwsApi', inputs: { Service: 'ssm', Api: 'GetParameter', Name: 'x' } }]);
    const decision = drive(f, [], NOW);
    assert.equal(decision.kind, 'act');
  });

  test('a call that changes something is not made again after a crash in flight', () => {
    const f = facts([{ name: 'call', action: 'aws:executeAwsApi', inputs: { Service: 'ssm', Api: 'PutParameter' } }]);
    const log: AutomationEvent[] = [];
    drive(f, log, NOW);
    log.push({ type: 'CallStarted', at: NOW, step: 'call', readOnly: false });
    assert.equal(drive(f, log, NOW).kind, 'ended');
    assert.match(stateOf(f, log).steps[0].failureMessage!, /not repeated/);
    const readOnly = facts([{ name: 'call', action: 'aws:executeAwsApi', inputs: { Service: 'ssm', Api: 'GetParameter' } }]);
    const again: AutomationEvent[] = [];
    drive(readOnly, again, NOW);
    again.push({ type: 'CallStarted', at: NOW, step: 'call', readOnly: true });
    assert.equal(drive(readOnly, again, NOW).kind, 'act');
  });
});

describe('runbook', () => {
  const refused = (steps: unknown[], pattern: RegExp) => assert.throws(() => facts(steps), (e) => isAwsError(e) && e.code === 'InvalidDocumentContent' && pattern.test(e.message));

  test('an unknown action is InvalidDocumentContent', () => refused([{ name: 'a', action: 'aws:teleport', inputs: {} }], /aws:teleport is not a valid Automation action/));
  test('an AWS action not built yet says so', () => refused([{ name: 'a', action: 'aws:executeScript', inputs: {} }], /not supported by Bosun Automation yet/));
  test('a nextStep naming no step is InvalidDocumentContent', () => refused([sleep('a', 'PT0S', { nextStep: 'ghost' })], /nextStep "ghost" is not a step/));
  test('a branch to no step is InvalidDocumentContent', () => refused([{ name: 'b', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'ghost', Variable: 'x', StringEquals: 'x' }] } }], /NextStep "ghost"/));
  test('a cycle without an exit is InvalidDocumentContent', () => refused([sleep('a', 'PT0S', { nextStep: 'b' }), sleep('b', 'PT0S', { nextStep: 'a' }), sleep('c')], /a, b form a cycle without an exit/));
  test('a cycle that a branch can leave is a valid runbook', () => {
    const f = facts([
      sleep('a', 'PT0S'),
      { name: 'again', action: 'aws:branch', inputs: { Choices: [{ NextStep: 'a', Variable: '{{ global:REGION }}', StringEquals: 'nowhere' }], Default: 'out' } },
      sleep('out', 'PT0S'),
    ]);
    assert.equal(f.runbook.steps.length, 3);
  });
  test('a selector that is not a JSONPath is InvalidDocumentContent', () => refused([{ ...sleep('a'), outputs: [{ Name: 'o', Selector: 'Parameter.Value', Type: 'String' }] }], /invalid Selector/));
});

describe('choices', () => {
  test('numeric and boolean operators compare numbers and booleans given as text', () => {
    assert.equal(holds({ Variable: '10', NumericGreaterOrEquals: 10 }), true);
    assert.equal(holds({ Variable: 9, NumericLesser: '10' }), true);
    assert.equal(holds({ Variable: 'true', BooleanEquals: true }), true);
    assert.equal(holds({ Variable: ['a', 'b'], Contains: 'b' }), true);
    assert.equal(holds({ Variable: 'file.txt', EndsWith: '.txt' }), true);
    assert.throws(() => holds({ Variable: 'abc', NumericEquals: 1 }), /not a number/);
  });

  test('Default is taken when no choice holds', () => {
    assert.equal(chooseNext({ Choices: [{ NextStep: 'a', Variable: 'x', StringEquals: 'y' }], Default: 'd' }), 'd');
  });
});

describe('selectors', () => {
  const response = { Parameter: { Name: 'n', Value: 'v', Version: 3 }, List: [{ Id: 'a' }, { Id: 'b' }] };

  test('a selector takes a member, an index or every item', () => {
    assert.deepEqual(select(response, '$.Parameter.Value'), { found: true, value: 'v' });
    assert.deepEqual(select(response, '$.List[1].Id'), { found: true, value: 'b' });
    assert.deepEqual(select(response, '$.List[*].Id'), { found: true, value: ['a', 'b'] });
    assert.deepEqual(select(response, "$['Parameter']['Name']"), { found: true, value: 'n' });
    assert.equal(select(response, '$.Missing').found, false);
  });

  test('outputs are typed as declared, and a mistyped one is an error', () => {
    assert.deepEqual(selectOutputs(response, [{ Name: 'V', Selector: '$.Parameter.Version', Type: 'Integer' }, { Name: 'Ids', Selector: '$.List[*].Id', Type: 'StringList' }]), { V: 3, Ids: ['a', 'b'] });
    assert.throws(() => selectOutputs(response, [{ Name: 'V', Selector: '$.Parameter', Type: 'String' }]), /is not a String/);
  });

  test('aws:sleep accepts ISO 8601 durations and timestamps up to 7 days', () => {
    assert.equal(wakeTime({ Duration: 'PT1H30M' }, NOW), NOW + 5_400_000);
    assert.equal(wakeTime({ Timestamp: '2027-01-15T08:00:00Z' }, Date.parse('2027-01-15T07:00:00Z')), Date.parse('2027-01-15T08:00:00Z'));
    assert.match(String(wakeTime({ Duration: 'P8D' }, NOW)), /longer than the 7 days/);
  });
});
