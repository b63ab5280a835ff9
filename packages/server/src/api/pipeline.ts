import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { type AwsError, awsError, decodeInput, decodeQueryInput, encodeJson, encodeQueryError, encodeQueryResponse, errorCatalogue, isAwsError, isKnownRegion, parseQueryBody, queryToJson, type ServiceModel } from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import { newEventId } from '../audit/event-id.ts';
import { auditParameters } from '../audit/parameters.ts';
import { buildRecord, type AuditResource } from '../audit/record.ts';
import type { AuditWriter } from '../audit/writer.ts';
import type { Logger } from '../logger.ts';
import type { Authorizer } from './authorize.ts';
import { encodeOutput } from './json-output.ts';
import type { CallContext, Operation, ServiceEntry } from './operation.ts';
import type { SignedRequest, VerifiedRequest } from './sigv4.ts';

export interface ApiRequest {
  readonly method: string;
  /** Raw request target: path and query as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly sourceIp: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface PipelineOptions {
  readonly region: string;
  readonly services: readonly ServiceEntry[];
  readonly operations: readonly Operation[];
  readonly verify: (req: SignedRequest) => Promise<VerifiedRequest<Principal>>;
  readonly authorize: Authorizer;
  readonly audit: AuditWriter;
  /** The account that owns an access key id, to file refused calls under it. */
  readonly keyOwner: (accessKeyId: string) => Promise<string | undefined>;
  readonly now: () => number;
  readonly logger: Logger;
}

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const XML_CONTENT_TYPE = 'text/xml';

/** What the audit event of a call needs, filled in as the call goes through the steps. */
interface CallRecord {
  eventSource: string;
  eventName: string;
  readOnly: boolean;
  principal?: Principal;
  /** The region the signature is scoped to, once verified. */
  region?: string;
  presentedAccessKeyId?: string;
  requestParameters: unknown;
  responseElements: unknown;
  resources: readonly AuditResource[];
}

/** What is known of a call before its target is read: filled in as it goes through the steps. */
function newCallRecord(): CallRecord {
  return { eventSource: 'unknown', eventName: 'Unknown', readOnly: false, requestParameters: null, responseElements: null, resources: [] };
}

/**
 * The request pipeline of the AWS JSON API, in this order:
 * target → SigV4 → operation lookup → JSON → validate/decode → authorise → handle → audit → encode.
 * Every call, refused or not, ends with exactly one audit event, and the response is
 * sent only after that event is committed.
 */
export class ApiPipeline {
  private readonly byPrefix = new Map<string, ServiceEntry>();
  private readonly byTarget = new Map<string, { op: Operation; model: ServiceModel }>();
  /** Query-protocol services (IAM, STS) by signing name, and their operations by `service.Action`. */
  private readonly querySigning = new Map<string, ServiceEntry>();
  private readonly byAction = new Map<string, Operation>();

  constructor(private readonly options: PipelineOptions) {
    for (const service of options.services) {
      if (service.model.metadata.protocol === 'query') this.querySigning.set(service.model.metadata.signingName, service);
      else for (const prefix of targetPrefixes(service.model)) this.byPrefix.set(prefix, service);
    }
    for (const op of options.operations) {
      const service = options.services.find((s) => s.name === op.service);
      if (!service) throw new Error(`Operation ${op.name} belongs to unregistered service ${op.service}`);
      if (!service.model.operations[op.name]) throw new Error(`Operation ${op.name} is not in the ${op.service} model`);
      if (service.model.metadata.protocol === 'query') this.byAction.set(`${service.name}.${op.name}`, op);
      else for (const prefix of targetPrefixes(service.model)) this.byTarget.set(`${prefix}.${op.name}`, { op, model: service.model });
    }
  }

  async handle(req: ApiRequest): Promise<ApiResponse> {
    const now = this.options.now();
    const requestId = crypto.randomUUID();
    const call = newCallRecord();
    const query = this.queryServiceOf(req);
    let status = 200;
    let body: string;
    let error: AwsError | undefined;
    let wireCode: string | undefined;
    try {
      body = query ? await this.runQuery(req, query, call, now, requestId) : await this.run(req, call, now, requestId);
    } catch (thrown) {
      error = this.toAwsError(thrown, requestId, call);
      status = error.status;
      if (query) {
        const wire = queryErrorOf(error);
        status = wire.status;
        wireCode = wire.code;
        body = encodeQueryError(query.model, { code: wire.code, message: error.message, fault: errorCatalogue[error.code].fault }, requestId);
      } else {
        body = encodeJson(error.toJSON());
      }
    }
    return this.finish(req, call, { now, requestId, status, body, error, errorCode: wireCode, contentType: query ? XML_CONTENT_TYPE : JSON_CONTENT_TYPE });
  }

  /**
   * The Query-protocol service a request is for: no X-Amz-Target, a form body, and a
   * SigV4 credential scoped to a Query service (iam, sts). Undefined for JSON requests.
   */
  private queryServiceOf(req: Omit<ApiRequest, 'body'>): ServiceEntry | undefined {
    if (headerValue(req.headers['x-amz-target']) ?? queryTarget(req.url)) return undefined;
    const contentType = headerValue(req.headers['content-type']) ?? '';
    if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) return undefined;
    const scope = credentialScopeService(req);
    if (scope) return this.querySigning.get(scope);
    // Unsigned: the Action tells the service, so that the refusal is in its protocol.
    const action = 'body' in req && Buffer.isBuffer(req.body) ? parseQueryBody(req.body.toString('utf8')).action : undefined;
    return action ? [...this.querySigning.values()].find((service) => this.byAction.has(`${service.name}.${action}`)) : undefined;
  }

  private async runQuery(req: ApiRequest, service: ServiceEntry, call: CallRecord, now: number, requestId: string): Promise<string> {
    const { model } = service;
    const form = parseQueryBody(req.body.toString('utf8'));
    call.eventSource = model.metadata.eventSource;
    call.eventName = form.action ?? 'Unknown';
    call.readOnly = /^(Get|List|Describe|Simulate)/.test(call.eventName);
    call.presentedAccessKeyId = presentedAccessKeyId(req);
    const [path, query = ''] = splitUrl(req.url);
    const verified = await this.options.verify({ method: req.method, path, query, headers: req.headers, body: req.body });
    call.principal = verified.principal;
    call.region = verified.region;
    const op = form.action ? this.byAction.get(`${service.name}.${form.action}`) : undefined;
    if (!op) throw awsError('UnknownOperationException', form.action ? `Could not find operation ${form.action} for version ${form.version ?? 'NO_VERSION_SPECIFIED'}` : 'Missing Action parameter');
    if (form.version !== model.metadata.apiVersion) throw awsError('UnknownOperationException', `Could not find operation ${form.action} for version ${form.version ?? 'NO_VERSION_SPECIFIED'}`);
    call.readOnly = op.readOnly;
    const shapes = model.operations[op.name];
    if (shapes.input) call.requestParameters = auditParameters(model, shapes.input, queryToJson(model, shapes.input, form.params));
    const input = decodeQueryInput(model, op.name, form.params);
    const output = await this.authorizeAndHandle(req, op, verified.principal, input, call, now, requestId);
    if (!op.readOnly) call.responseElements = auditParameters(model, shapes.output, op.auditOutput ? op.auditOutput(output) : output);
    return encodeQueryResponse(model, op.name, output, requestId);
  }

  private async authorizeAndHandle(req: ApiRequest, op: Operation, principal: Principal, input: unknown, call: CallRecord, now: number, requestId: string): Promise<unknown> {
    const region = call.region ?? this.options.region;
    const ctx: CallContext = { principal, now, region, scope: { accountId: principal.accountId, region }, requestId, sourceIp: req.sourceIp };
    // Permissions and the authorizer's answer are usually synchronous: only a promise is waited for.
    const needed = op.permissions(ctx, input);
    const allowed = this.options.authorize(principal, needed instanceof Promise ? await needed : needed, { sourceIp: req.sourceIp, secureTransport: false, now, region, service: op.service });
    if (allowed instanceof Promise) await allowed;
    let output: unknown;
    try {
      output = await op.handle(ctx, input);
    } finally {
      call.resources = op.resources?.(ctx, input, output) ?? [];
    }
    return output;
  }

  /** Answers a request refused before it reached the pipeline (for example a body over the size limit). */
  async refuse(req: Omit<ApiRequest, 'body'>, error: AwsError): Promise<ApiResponse> {
    const now = this.options.now();
    const requestId = crypto.randomUUID();
    const call = newCallRecord();
    this.identifyTarget(req, call);
    call.presentedAccessKeyId = presentedAccessKeyId(req);
    return this.finish(req, call, { now, requestId, status: error.status, body: encodeJson(error.toJSON()), error });
  }

  private async run(req: ApiRequest, call: CallRecord, now: number, requestId: string): Promise<string> {
    const target = this.identifyTarget(req, call);
    call.presentedAccessKeyId = presentedAccessKeyId(req);
    const [path, query = ''] = splitUrl(req.url);
    const verified = await this.options.verify({ method: req.method, path, query, headers: req.headers, body: req.body });
    call.principal = verified.principal;
    call.region = verified.region;

    const entry = this.byTarget.get(target ?? '');
    if (!target || !entry) throw awsError('UnknownOperationException', target ? `Unknown operation ${target}` : 'Missing X-Amz-Target header: it names the operation, e.g. AmazonSSM.GetServiceSetting');
    const { op, model } = entry;
    if (verified.service !== model.metadata.signingName) {
      throw awsError('InvalidSignatureException', `Credential should be scoped to correct service: '${model.metadata.signingName}'. `);
    }
    call.readOnly = op.readOnly;

    const parsed = parseJsonBody(req.body);
    const shapes = model.operations[op.name];
    call.requestParameters = auditParameters(model, shapes.input, parsed);
    const input = decodeInput(model, op.name, parsed);

    const output = await this.authorizeAndHandle(req, op, verified.principal, input, call, now, requestId);
    if (!op.readOnly) call.responseElements = auditParameters(model, shapes.output, output !== undefined && op.auditOutput ? op.auditOutput(output) : output);
    return encodeOutput(output ?? {});
  }

  private identifyTarget(req: Omit<ApiRequest, 'body'>, call: CallRecord): string | undefined {
    const target = headerValue(req.headers['x-amz-target']) ?? queryTarget(req.url);
    if (!target) return undefined;
    const dot = target.lastIndexOf('.');
    const service = dot > 0 ? this.byPrefix.get(target.slice(0, dot)) : undefined;
    call.eventSource = service?.model.metadata.eventSource ?? 'unknown';
    call.eventName = dot > 0 ? target.slice(dot + 1) : target;
    call.readOnly = /^(Get|List|Describe|Lookup)/.test(call.eventName);
    return target;
  }

  private toAwsError(thrown: unknown, requestId: string, call: CallRecord): AwsError {
    if (isAwsError(thrown)) return thrown;
    this.options.logger.error({ err: thrown, requestId, eventName: call.eventName }, 'internal error while handling a call');
    return awsError('InternalFailure', `The request processing has failed because of an unknown error. Request ID: ${requestId}; the server log has details.`);
  }

  private async finish(
    req: Omit<ApiRequest, 'body'>,
    call: CallRecord,
    result: { now: number; requestId: string; status: number; body: string; error?: AwsError; contentType?: string; /** The code on the wire, when the protocol renames it (AccessDenied). */ errorCode?: string },
  ): Promise<ApiResponse> {
    const accountId = call.principal?.accountId ?? (call.presentedAccessKeyId ? await this.options.keyOwner(call.presentedAccessKeyId).catch(() => undefined) : undefined);
    const record = buildRecord({
      eventTime: result.now,
      eventSource: call.eventSource,
      eventName: call.eventName,
      region: call.region ?? claimedRegion(req, this.options.region),
      sourceIp: req.sourceIp,
      userAgent: headerValue(req.headers['user-agent']) ?? '',
      requestId: result.requestId,
      eventId: newEventId(result.now),
      readOnly: call.readOnly,
      principal: call.principal,
      presentedAccessKeyId: call.presentedAccessKeyId,
      accountId,
      requestParameters: call.requestParameters,
      responseElements: call.responseElements,
      errorCode: result.errorCode ?? result.error?.code,
      errorMessage: result.error?.message,
      resources: call.resources,
    });
    try {
      await this.options.audit.append({ record, resources: call.resources });
    } catch (auditError) {
      // No answer without its event: a call whose event cannot be written fails.
      this.options.logger.error({ err: auditError, requestId: result.requestId }, 'audit event could not be written');
      const failure = awsError('InternalFailure', `The call could not be recorded in the audit trail. Request ID: ${result.requestId}`);
      if (result.contentType === XML_CONTENT_TYPE) {
        return respond(failure.status, encodeQueryError(undefined, { code: failure.code, message: failure.message, fault: 'server' }, result.requestId), result.requestId, XML_CONTENT_TYPE);
      }
      return respond(failure.status, encodeJson(failure.toJSON()), result.requestId);
    }
    return respond(result.status, result.body, result.requestId, result.contentType);
  }
}

/**
 * The X-Amz-Target prefixes of a service: botocore (the AWS CLI) sends the model's targetPrefix
 * (com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101), Smithy SDKs the service shape name,
 * its last segment (CloudTrail_20131101). AWS accepts both.
 */
function targetPrefixes(model: ServiceModel): string[] {
  const prefix = model.metadata.targetPrefix;
  const shapeName = prefix.slice(prefix.lastIndexOf('.') + 1);
  return shapeName === prefix ? [prefix] : [prefix, shapeName];
}

function respond(status: number, body: string, requestId: string, contentType = JSON_CONTENT_TYPE): ApiResponse {
  return { status, body, headers: { 'content-type': contentType, 'x-amzn-requestid': requestId } };
}

/**
 * The code and status a Query-protocol service answers with for an error: IAM and STS
 * name the common errors differently from the JSON services (AccessDenied, not
 * AccessDeniedException; InvalidClientTokenId for an unknown key; SignatureDoesNotMatch).
 */
function queryErrorOf(error: AwsError): { code: string; status: number } {
  const renamed: Partial<Record<string, { code: string; status: number }>> = {
    AccessDeniedException: { code: 'AccessDenied', status: 403 },
    ExpiredTokenException: { code: 'ExpiredToken', status: 403 },
    UnrecognizedClientException: { code: 'InvalidClientTokenId', status: 403 },
    InvalidSignatureException: { code: 'SignatureDoesNotMatch', status: 403 },
    IncompleteSignatureException: { code: 'IncompleteSignature', status: 400 },
    MissingAuthenticationTokenException: { code: 'MissingAuthenticationToken', status: 403 },
    UnknownOperationException: { code: 'InvalidAction', status: 400 },
    ValidationException: { code: 'ValidationError', status: 400 },
    SerializationException: { code: 'MalformedQueryString', status: 400 },
  };
  return renamed[error.code] ?? { code: error.code, status: error.status };
}

/** The service of the SigV4 credential scope (header or presigned query), unverified. */
/** The credential scope's elements (keyid/date/region/service/aws4_request), from the header or a presigned URL. */
function credentialScope(req: Omit<ApiRequest, 'body'>): string[] | undefined {
  const auth = headerValue(req.headers.authorization);
  const match = auth ? /Credential=([^,\s]+)/.exec(auth) : null;
  if (match) return match[1].split('/');
  const q = req.url.indexOf('?');
  const credential = q < 0 ? null : new URLSearchParams(req.url.slice(q + 1)).get('X-Amz-Credential');
  return credential?.split('/');
}

function credentialScopeService(req: Omit<ApiRequest, 'body'>): string | undefined {
  const scope = credentialScope(req);
  return scope && scope.length === 5 ? scope[3] : undefined;
}

/** The region a refused call was for, when its credential names one Bosun serves; otherwise the server's. */
function claimedRegion(req: Omit<ApiRequest, 'body'>, fallback: string): string {
  const scope = credentialScope(req);
  return scope && scope.length === 5 && isKnownRegion(scope[2]) ? scope[2] : fallback;
}

function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw awsError('SerializationException', `The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw awsError('SerializationException', 'The request body must be a JSON object');
  }
  return parsed;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function splitUrl(url: string): [string, string?] {
  const q = url.indexOf('?');
  return q < 0 ? [url] : [url.slice(0, q), url.slice(q + 1)];
}

function queryTarget(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  // Presigners hoist headers into the query with their own case (smithy: x-amz-target).
  for (const [name, value] of new URLSearchParams(url.slice(q + 1))) if (name.toLowerCase() === 'x-amz-target') return value;
  return undefined;
}

/** The access key id a request names (header or presigned query), without verifying anything. */
function presentedAccessKeyId(req: Omit<ApiRequest, 'body'>): string | undefined {
  const auth = headerValue(req.headers.authorization);
  const match = auth ? /Credential=([^/,\s]+)\//.exec(auth) : null;
  if (match) return match[1];
  const q = req.url.indexOf('?');
  const credential = q < 0 ? null : new URLSearchParams(req.url.slice(q + 1)).get('X-Amz-Credential');
  return credential ? credential.split('/')[0] : undefined;
}
