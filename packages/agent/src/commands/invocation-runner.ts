import fs from 'node:fs';
import path from 'node:path';
import {
  DocumentContentError, DocumentParameterError, findParameterReferences, maskSecrets, parseDocument, planSteps, resolveParameters, substituteReferences,
  type PlannedStep,
} from '@bosun/documents';
import type { InvocationOutputBody, InvocationResultBody, PluginResult, SendCommandBody } from '@bosun/protocol/channel';
import { outcome, PluginInputError, type AgentPlugin, type ApiCaller, type NestedRunner, type PluginOutcome, type PluginOutput } from '../plugins/plugin.ts';
import { OutputCollector } from './output-collector.ts';

export interface InvocationDeps {
  readonly plugins: ReadonlyMap<string, AgentPlugin>;
  /** AWS JSON API calls with the node's credentials (GetParameters, GetDocument). */
  readonly callApi: ApiCaller;
  /** Directory under which each invocation gets its own working directory (removed when it ends). */
  readonly workRoot: string;
  readonly platformType: 'Linux' | 'Windows' | 'MacOS';
  readonly emitOutput: (chunk: InvocationOutputBody) => void;
  readonly now: () => number;
  /** Default 2,000 ms. */
  readonly killGraceMs?: number;
  /** Default 200 ms. */
  readonly flushMs?: number;
  /** Told each process group started for this invocation. */
  readonly onProcess?: (pid: number) => void;
}

/** Thrown by the API caller for an AWS error answer. */
export class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface StepResult {
  readonly name: string;
  readonly status: PluginResult['status'];
  readonly statusDetails: string;
  readonly responseCode: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  /** This step's failure stopped the document with successAndExit: it does not fail the run. */
  readonly forgiven?: boolean;
}

type OutputFor = (step: PlannedStep) => { output: PluginOutput; done(): Pick<PluginResult, 'length' | 'tail'> };

/**
 * Runs one Run Command invocation on this node: resolves `{{ssm-secure:…}}` references (the
 * values stay in memory and are masked in every byte of output), plans the document's steps
 * for this platform, and runs them in order with their plugins. Steps run one after another
 * whatever the previous one's status (AWS schema 2.2): a step with `onFailure: exit` stops the
 * steps after it when it fails, `successAndExit` does too but leaves the invocation Success;
 * a step with `finallyStep: true` runs even then. Never throws: every problem becomes a
 * Failed result whose output says what went wrong.
 */
export async function runInvocation(body: SendCommandBody, deps: InvocationDeps, signal: AbortSignal): Promise<InvocationResultBody> {
  const startedAt = deps.now();
  const secrets: string[] = [];
  const workDir = path.join(deps.workRoot, safeName(body.commandId));
  const emit = (pluginName: string) => (chunk: Omit<InvocationOutputBody, 'commandId'>) => deps.emitOutput({ commandId: body.commandId, ...chunk, pluginName });
  try {
    let steps: PlannedStep[];
    try {
      const doc = parseDocument(body.documentContent, 'JSON', 'Command');
      const values = await resolveSecure(deps, { ...body.parameters }, secrets);
      steps = planSteps(doc, values, { platformType: deps.platformType });
    } catch (error) {
      return failedBeforeSteps(body, startedAt, deps.now(), problemText(error), secrets);
    }
    const outputFor: OutputFor = (step) => {
      const collector = new OutputCollector({ emit: emit(step.name), pluginName: step.name, secrets, flushMs: deps.flushMs });
      return { output: collector, done: () => collector.finish() };
    };
    const results: (StepResult & Pick<PluginResult, 'length' | 'tail'>)[] = [];
    await executeSteps(steps, {
      commandId: body.commandId, deps, signal, secrets, workDir, depth: 0, outputFor,
      onResult: (result, out) => results.push({ ...result, ...out }),
    });
    const total = aggregate(results);
    keepResultSmall(results, (pluginName, stream, offset, data) => deps.emitOutput({ commandId: body.commandId, pluginName, stream, offset, data }));
    return {
      commandId: body.commandId, ...total, startedAt, endedAt: deps.now(),
      plugins: results.map((r) => ({
        name: r.name, status: r.status, statusDetails: r.statusDetails, responseCode: r.responseCode,
        ...(r.startedAt !== undefined ? { startedAt: r.startedAt } : {}), ...(r.endedAt !== undefined ? { endedAt: r.endedAt } : {}),
        length: r.length, tail: r.tail,
      })),
    };
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

interface ExecuteOptions {
  readonly commandId: string;
  readonly deps: InvocationDeps;
  readonly signal: AbortSignal;
  readonly secrets: string[];
  readonly workDir: string;
  readonly depth: number;
  readonly outputFor: OutputFor;
  readonly onResult: (result: StepResult, out: Pick<PluginResult, 'length' | 'tail'>) => void;
}

async function executeSteps(steps: readonly PlannedStep[], o: ExecuteOptions): Promise<void> {
  let exiting: 'exit' | 'successAndExit' | undefined;
  for (const [index, step] of steps.entries()) {
    const { output, done } = o.outputFor(step);
    const finallyStep = step.inputs.finallyStep === true || step.inputs.finallyStep === 'true';
    let result: StepResult;
    if (o.signal.aborted) {
      result = { name: step.name, ...outcome.cancelled(), responseCode: -1 };
    } else if (exiting && !finallyStep) {
      output.write('stdout', `Step ${step.name} skipped: an earlier step failed with onFailure: ${exiting}.\n`);
      result = { name: step.name, status: 'Skipped', statusDetails: 'Skipped', responseCode: -1 };
    } else if (step.skip) {
      output.write('stdout', `Step execution skipped: ${step.skip}. Step name: ${step.name}\n`);
      result = { name: step.name, status: 'Skipped', statusDetails: 'Skipped', responseCode: 0 };
    } else {
      const startedAt = o.deps.now();
      const ran = await runStep(step, output, { ...o, workDir: path.join(o.workDir, `${index}-${safeName(step.name)}`) });
      result = { name: step.name, ...ran, startedAt, endedAt: o.deps.now() };
      if (ran.status === 'Failed' || ran.status === 'TimedOut') {
        const onFailure = step.inputs.onFailure;
        if (onFailure === 'exit' || onFailure === 'successAndExit') {
          exiting = onFailure;
          if (onFailure === 'successAndExit') result = { ...result, forgiven: true };
        }
      }
    }
    o.onResult(result, done());
  }
}

async function runStep(step: PlannedStep, output: PluginOutput, o: ExecuteOptions): Promise<PluginOutcome> {
  const plugin = o.deps.plugins.get(step.action);
  if (!plugin) {
    output.write('stderr', `Plugin with name ${step.action} is not supported by this agent. Step name: ${step.name}\n`);
    return outcome.failed(1);
  }
  try {
    const input = plugin.parseInput(step.inputs);
    const runNested: NestedRunner = (nested) => runNestedDocument(nested, { ...o, workDir: path.join(o.workDir, 'nested') });
    return await plugin.run(input, {
      commandId: o.commandId, stepName: step.name, workDir: o.workDir, env: step.env, output, signal: o.signal,
      killGraceMs: o.deps.killGraceMs ?? 2000, runNested, depth: o.depth, onProcess: o.deps.onProcess,
    });
  } catch (error) {
    const message = error instanceof PluginInputError ? `invalid input of step ${step.name}: ${error.message}` : problemText(error);
    output.write('stderr', `${message}\n`);
    return outcome.failed(1);
  }
}

/** aws:runDocument: GetDocument through the API, the parameters checked and resolved, its steps run into the parent's output. */
async function runNestedDocument(nested: Parameters<NestedRunner>[0], o: ExecuteOptions): Promise<PluginOutcome> {
  let steps: PlannedStep[];
  try {
    const got = await o.deps.callApi<{ Content?: string; DocumentType?: string }>('AmazonSSM.GetDocument', {
      Name: nested.documentName, DocumentFormat: 'JSON', ...(nested.documentVersion ? { DocumentVersion: nested.documentVersion } : {}),
    });
    if (got.DocumentType && got.DocumentType !== 'Command') throw new Error(`document ${nested.documentName} is a ${got.DocumentType} document: aws:runDocument runs Command documents`);
    const doc = parseDocument(got.Content ?? '', 'JSON', 'Command');
    const values = await resolveSecure(o.deps, resolveParameters(doc, nested.parameters), o.secrets);
    steps = planSteps(doc, values, { platformType: o.deps.platformType });
  } catch (error) {
    nested.output.write('stderr', `failed to run document ${nested.documentName}: ${problemText(error)}\n`);
    return outcome.failed(1);
  }
  const results: StepResult[] = [];
  await executeSteps(steps, {
    ...o, depth: nested.depth, signal: nested.signal,
    outputFor: () => ({ output: nested.output, done: () => ({ length: { stdout: 0, stderr: 0 }, tail: { stdout: '', stderr: '' } }) }),
    onResult: (result) => results.push(result),
  });
  const total = aggregate(results);
  return { status: total.status, statusDetails: total.statusDetails, responseCode: total.responseCode };
}

/**
 * Replaces `{{ssm-secure:name}}` references by their values, read with GetParameters
 * WithDecryption (10 names per call, AWS's limit); the values join `secrets` for masking.
 */
async function resolveSecure(deps: InvocationDeps, values: Record<string, unknown>, secrets: string[]): Promise<Record<string, unknown>> {
  const { secure } = findParameterReferences(values);
  if (secure.length === 0) return values;
  const resolved = new Map<string, string>();
  const wanted = [...new Set(secure)];
  for (let i = 0; i < wanted.length; i += 10) {
    const names = wanted.slice(i, i + 10);
    const out = await deps.callApi<{ Parameters?: { Name: string; Type: string; Value: string; Selector?: string }[]; InvalidParameters?: string[] }>('AmazonSSM.GetParameters', { Names: names, WithDecryption: true });
    if (out.InvalidParameters && out.InvalidParameters.length > 0) {
      throw new Error(`{{ssm-secure:${out.InvalidParameters[0]}}} could not be resolved: no such parameter, or this node may not read it`);
    }
    for (const name of names) {
      const found = (out.Parameters ?? []).find((p) => p.Name + (p.Selector ?? '') === name || p.Name === name || p.Name === name.replace(/:[^:/]*$/, ''));
      if (!found) throw new Error(`{{ssm-secure:${name}}} could not be resolved: no such parameter, or this node may not read it`);
      if (found.Type !== 'SecureString') throw new Error(`{{ssm-secure:${name}}} names a ${found.Type} parameter: ssm-secure references take SecureString parameters only (use {{ssm:${name}}})`);
      resolved.set(name, found.Value);
      secrets.push(found.Value);
    }
  }
  return substituteReferences(values, 'ssm-secure', resolved);
}

function aggregate(results: readonly StepResult[]): Pick<InvocationResultBody, 'status' | 'statusDetails' | 'responseCode'> {
  const first = (status: PluginResult['status']) => results.find((r) => r.status === status && !r.forgiven);
  const cancelled = first('Cancelled');
  if (cancelled) return { status: 'Cancelled', statusDetails: 'Cancelled', responseCode: cancelled.responseCode };
  const timedOut = first('TimedOut');
  if (timedOut) return { status: 'TimedOut', statusDetails: 'ExecutionTimedOut', responseCode: timedOut.responseCode };
  const failed = first('Failed');
  if (failed) return { status: 'Failed', statusDetails: 'Failed', responseCode: failed.responseCode };
  const ran = results.filter((r) => r.status !== 'Skipped');
  return { status: 'Success', statusDetails: 'Success', responseCode: ran.length > 0 ? ran[ran.length - 1].responseCode : 0 };
}

/** Characters of tails one result may carry; past this they go as chunks (a frame is at most 256 KiB). */
export const RESULT_TAIL_BUDGET = 64 * 1024;

/** Sends as chunks the tails that would make the result frame too large (documents with many steps). */
function keepResultSmall(results: { name: string; length: PluginResult['length']; tail: { stdout: string; stderr: string } }[], emit: (pluginName: string, stream: 'stdout' | 'stderr', offset: number, data: string) => void): void {
  let budget = RESULT_TAIL_BUDGET;
  for (const r of results) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const tail = r.tail[stream];
      if (tail.length === 0) continue;
      if (tail.length <= budget) {
        budget -= tail.length;
        continue;
      }
      emit(r.name, stream, r.length[stream] - tail.length, tail);
      r.tail = { ...r.tail, [stream]: '' };
    }
  }
}

/** A result for an invocation that failed before any step ran (bad document, unresolvable reference). */
export function failedBeforeSteps(body: Pick<SendCommandBody, 'commandId' | 'documentContent'>, startedAt: number, endedAt: number, message: string, secrets: readonly string[] = []): InvocationResultBody {
  let names: string[] = [];
  try {
    names = parseDocument(body.documentContent, 'JSON', 'Command').steps.map((s) => s.name);
  } catch { /* the document itself is the problem */ }
  if (names.length === 0) names = ['document'];
  const live = secrets.filter((v) => v.length > 0);
  const text = live.length > 0 ? maskSecrets(`${message}\n`, live) : `${message}\n`;
  return {
    commandId: body.commandId, status: 'Failed', statusDetails: 'Failed', responseCode: -1, startedAt, endedAt,
    plugins: names.map((name, i) => ({
      name, status: 'Failed', statusDetails: 'Failed', responseCode: -1,
      length: { stdout: 0, stderr: i === 0 ? text.length : 0 }, tail: { stdout: '', stderr: i === 0 ? text : '' },
    })),
  };
}

function problemText(error: unknown): string {
  if (error instanceof DocumentContentError || error instanceof DocumentParameterError) return error.message;
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100) || '_';
}
