import { awsError } from '@bosun/protocol';

/**
 * Parameter data types (PutParameter's DataType): the three the SSM API model lists, with the
 * checks AWS documents for each.
 *
 * - `text`: no check (the default).
 * - `aws:ec2:image`: a String whose value is an AMI ID (user guide, "Native parameter support for
 *   Amazon Machine Image IDs"). AWS validates it after answering 200 (the format, and that the
 *   image is available to the account); a value that fails is dropped and reported only as an
 *   EventBridge event. Bosun has no EC2: it checks the format when it is put, and refuses a bad one
 *   at once instead of answering 200 for a parameter that will never appear.
 * - `aws:ssm:integration`: an Automation webhook integration, a SecureString in the namespace
 *   Automation reserves for it (user guide, "Creating webhook integrations for Automation").
 *
 * A parameter cannot change to or from either aws: data type (user guide, "Parameter data types
 * in Parameter Store").
 */

export const DATA_TYPES = ['text', 'aws:ec2:image', 'aws:ssm:integration'] as const;
export type DataType = (typeof DATA_TYPES)[number];

export const DEFAULT_DATA_TYPE: DataType = 'text';
/** `ami-` and 8 or 17 lower-case hex digits: the two lengths EC2 has issued (e.g. ami-1a2b3c4d, ami-0123456789abcdef0). */
export const AMI_ID = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** Automation's namespace for integrations; a webhook integration is the name after it. */
export const WEBHOOK_INTEGRATION_PREFIX = '/d9d01087-4a3f-49e0-b0b4-d568d7826553/ssm/integrations/webhook/';

export interface DataTypeInput {
  /** The DataType of the request; undefined keeps the current parameter's (text for a new one). */
  readonly dataType: string | undefined;
  /** The parameter's type after this call. */
  readonly type: string;
  readonly name: string;
  readonly value: string;
  /** The current version's data type, when the parameter exists. */
  readonly current?: string;
}

function isDataType(text: string): text is DataType {
  return (DATA_TYPES as readonly string[]).includes(text);
}

/** Refuses a data type AWS does not have, with AWS's message (checked before the parameter is read). */
export function checkDataTypeName(dataType: string | undefined): void {
  if (dataType !== undefined && !isDataType(dataType)) {
    throw awsError('ValidationException', `The following data type is not supported: ${dataType} (Data type names are all lowercase.)`);
  }
}

/** The data type the new version stores, or the AWS error that refuses the call. */
export function checkDataType(input: DataTypeInput): DataType {
  checkDataTypeName(input.dataType);
  const requested = (input.dataType ?? input.current ?? DEFAULT_DATA_TYPE) as DataType;
  // Only text and the two aws: types exist, so any change of data type involves an aws: one.
  if (input.current !== undefined && input.current !== requested) {
    throw awsError('ValidationException', `A parameter can't change to or from the ${requested === 'text' ? input.current : requested} data type: ${input.name} is ${input.current}. Delete it and create it again with the data type you want.`);
  }
  if (requested === 'aws:ec2:image') {
    if (input.type !== 'String') throw awsError('ValidationException', `The aws:ec2:image data type is not supported for the following input type: ${input.type}`);
    if (!AMI_ID.test(input.value)) {
      throw awsError('ValidationException', `Parameter value ${input.value} is not a valid AMI ID for the aws:ec2:image data type: an AMI ID is ami- followed by 8 or 17 lower-case hexadecimal digits.`);
    }
  }
  if (requested === 'aws:ssm:integration') {
    if (input.type !== 'SecureString') throw awsError('ValidationException', `The aws:ssm:integration data type is not supported for the following input type: ${input.type}`);
    const integration = input.name.startsWith(WEBHOOK_INTEGRATION_PREFIX) ? input.name.slice(WEBHOOK_INTEGRATION_PREFIX.length) : '';
    if (integration === '' || integration.includes('/')) {
      throw awsError('ValidationException', `A parameter of the aws:ssm:integration data type must be named ${WEBHOOK_INTEGRATION_PREFIX}INTEGRATION_NAME, the namespace Automation reserves for webhook integrations.`);
    }
  }
  return requested;
}
