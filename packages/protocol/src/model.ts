/**
 * The shape of the compact API models generated from the official AWS models
 * (scripts/generate-models.ts writes src/generated/*-model.ts in this form).
 * Only what validation, decoding and redaction need is kept; documentation is dropped.
 */

export interface ServiceMetadata {
  /** e.g. "ssm" */
  readonly endpointPrefix: string;
  /** SigV4 signing name, e.g. "ssm" */
  readonly signingName: string;
  /** X-Amz-Target prefix, e.g. "AmazonSSM" */
  readonly targetPrefix: string;
  readonly apiVersion: string;
  /** eventSource in audit events, e.g. "ssm.amazonaws.com" */
  readonly eventSource: string;
  /** 'query' for AWS Query services (IAM, STS: form-encoded requests, XML answers); absent for JSON 1.1. */
  readonly protocol?: 'query';
  /** The XML namespace of Query-protocol responses. */
  readonly xmlNamespace?: string;
}

export interface OperationModel {
  readonly input?: string;
  readonly output?: string;
  /** Query protocol: the element that wraps the output (e.g. CreateUserResult). */
  readonly resultWrapper?: string;
  readonly errors: readonly string[];
}

interface ShapeBase {
  readonly sensitive?: true;
}

export interface StructureShape extends ShapeBase {
  readonly type: 'structure';
  readonly members: Readonly<Record<string, string>>;
  readonly required?: readonly string[];
  /** Query-protocol error shapes: the code on the wire (e.g. NoSuchEntity for NoSuchEntityException). */
  readonly errorCode?: string;
}
export interface ListShape extends ShapeBase {
  readonly type: 'list';
  readonly member: string;
  readonly min?: number;
  readonly max?: number;
}
export interface MapShape extends ShapeBase {
  readonly type: 'map';
  readonly key: string;
  readonly value: string;
  readonly min?: number;
  readonly max?: number;
}
export interface StringShape extends ShapeBase {
  readonly type: 'string';
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
}
export interface NumberShape extends ShapeBase {
  readonly type: 'integer' | 'long' | 'double' | 'float';
  readonly min?: number;
  readonly max?: number;
}
export interface BlobShape extends ShapeBase {
  readonly type: 'blob';
  readonly min?: number;
  readonly max?: number;
}
export interface SimpleShape extends ShapeBase {
  readonly type: 'boolean' | 'timestamp';
}

export type Shape = StructureShape | ListShape | MapShape | StringShape | NumberShape | BlobShape | SimpleShape;

export interface ServiceModel {
  readonly metadata: ServiceMetadata;
  readonly operations: Readonly<Record<string, OperationModel>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}
