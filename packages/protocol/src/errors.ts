/**
 * The error catalogue: every AWS error Bosun can answer with, declared once.
 *
 * The protocol layer (server/src/api/protocol.ts) is the only place that turns an
 * AwsError into an HTTP response: `{"__type": code, "message": message}` with `status`.
 * Service errors must exist in the official model of the service that returns them
 * (checked by errors.test.ts); common errors are those every AWS JSON service answers
 * with and that no single model declares.
 */

export type ErrorSource = 'common' | 'ssm' | 'kms' | 'secretsmanager' | 'cloudtrail' | 'iam' | 'sts';

export interface ErrorSpec {
  /** HTTP status AWS answers with. */
  readonly status: number;
  /** Which model declares it ('common' for the errors all AWS JSON services share). */
  readonly source: ErrorSource;
  /** Whether the fault is the client's (4xx) or the server's (5xx), as the SDKs report it. */
  readonly fault: 'client' | 'server';
  /** Query-protocol errors: the model's shape when it differs from the wire code (NoSuchEntityException for NoSuchEntity). */
  readonly shape?: string;
}

export const errorCatalogue = {
  // Common errors of AWS JSON 1.1 services.
  AccessDeniedException: { status: 400, source: 'common', fault: 'client' },
  ExpiredTokenException: { status: 400, source: 'common', fault: 'client' },
  IncompleteSignatureException: { status: 400, source: 'common', fault: 'client' },
  InternalFailure: { status: 500, source: 'common', fault: 'server' },
  InvalidSignatureException: { status: 400, source: 'common', fault: 'client' },
  MissingAuthenticationTokenException: { status: 403, source: 'common', fault: 'client' },
  RequestEntityTooLargeException: { status: 413, source: 'common', fault: 'client' },
  SerializationException: { status: 400, source: 'common', fault: 'client' },
  ThrottlingException: { status: 400, source: 'common', fault: 'client' },
  UnknownOperationException: { status: 400, source: 'common', fault: 'client' },
  UnrecognizedClientException: { status: 400, source: 'common', fault: 'client' },
  ValidationException: { status: 400, source: 'common', fault: 'client' },
  // AmazonSSM
  InternalServerError: { status: 500, source: 'ssm', fault: 'server' },
  ServiceSettingNotFound: { status: 400, source: 'ssm', fault: 'client' },
  TooManyUpdates: { status: 400, source: 'ssm', fault: 'client' },
  // AmazonSSM: Run Command
  DuplicateInstanceId: { status: 400, source: 'ssm', fault: 'client' },
  InvalidCommandId: { status: 400, source: 'ssm', fault: 'client' },
  InvalidNotificationConfig: { status: 400, source: 'ssm', fault: 'client' },
  InvalidOutputFolder: { status: 400, source: 'ssm', fault: 'client' },
  InvalidPluginName: { status: 400, source: 'ssm', fault: 'client' },
  InvalidRole: { status: 400, source: 'ssm', fault: 'client' },
  InvocationDoesNotExist: { status: 400, source: 'ssm', fault: 'client' },
  UnsupportedPlatformType: { status: 400, source: 'ssm', fault: 'client' },
  // AmazonSSM: managed nodes (activations, DescribeInstanceInformation, node tags)
  InvalidActivation: { status: 400, source: 'ssm', fault: 'client' },
  InvalidActivationId: { status: 400, source: 'ssm', fault: 'client' },
  InvalidFilter: { status: 400, source: 'ssm', fault: 'client' },
  InvalidFilterKey: { status: 400, source: 'ssm', fault: 'client' },
  InvalidInstanceId: { status: 400, source: 'ssm', fault: 'client' },
  InvalidInstanceInformationFilterValue: { status: 400, source: 'ssm', fault: 'client' },
  InvalidNextToken: { status: 400, source: 'ssm', fault: 'client' },
  InvalidParameters: { status: 400, source: 'ssm', fault: 'client' },
  InvalidResourceId: { status: 400, source: 'ssm', fault: 'client' },
  InvalidResourceType: { status: 400, source: 'ssm', fault: 'client' },
  TooManyTagsError: { status: 400, source: 'ssm', fault: 'client' },
  // AmazonSSM: documents
  AssociatedInstances: { status: 400, source: 'ssm', fault: 'client' },
  DocumentAlreadyExists: { status: 400, source: 'ssm', fault: 'client' },
  DocumentLimitExceeded: { status: 400, source: 'ssm', fault: 'client' },
  DocumentPermissionLimit: { status: 400, source: 'ssm', fault: 'client' },
  DocumentVersionLimitExceeded: { status: 400, source: 'ssm', fault: 'client' },
  DuplicateDocumentContent: { status: 400, source: 'ssm', fault: 'client' },
  DuplicateDocumentVersionName: { status: 400, source: 'ssm', fault: 'client' },
  InvalidDocument: { status: 400, source: 'ssm', fault: 'client' },
  InvalidDocumentContent: { status: 400, source: 'ssm', fault: 'client' },
  InvalidDocumentOperation: { status: 400, source: 'ssm', fault: 'client' },
  InvalidDocumentSchemaVersion: { status: 400, source: 'ssm', fault: 'client' },
  InvalidDocumentVersion: { status: 400, source: 'ssm', fault: 'client' },
  InvalidPermissionType: { status: 400, source: 'ssm', fault: 'client' },
  MaxDocumentSizeExceeded: { status: 400, source: 'ssm', fault: 'client' },
  // AmazonSSM: compliance
  ComplianceTypeCountLimitExceededException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidItemContentException: { status: 400, source: 'ssm', fault: 'client' },
  ItemSizeLimitExceededException: { status: 400, source: 'ssm', fault: 'client' },
  TotalSizeLimitExceededException: { status: 400, source: 'ssm', fault: 'client' },
  // AmazonSSM: State Manager (issue 13)
  AssociationAlreadyExists: { status: 400, source: 'ssm', fault: 'client' },
  AssociationDoesNotExist: { status: 400, source: 'ssm', fault: 'client' },
  AssociationExecutionDoesNotExist: { status: 400, source: 'ssm', fault: 'client' },
  AssociationLimitExceeded: { status: 400, source: 'ssm', fault: 'client' },
  AssociationVersionLimitExceeded: { status: 400, source: 'ssm', fault: 'client' },
  InvalidAssociation: { status: 400, source: 'ssm', fault: 'client' },
  InvalidAssociationVersion: { status: 400, source: 'ssm', fault: 'client' },
  InvalidOutputLocation: { status: 400, source: 'ssm', fault: 'client' },
  InvalidSchedule: { status: 400, source: 'ssm', fault: 'client' },
  InvalidTarget: { status: 400, source: 'ssm', fault: 'client' },
  InvalidTargetMaps: { status: 400, source: 'ssm', fault: 'client' },
  InvalidUpdate: { status: 400, source: 'ssm', fault: 'client' },
  StatusUnchanged: { status: 400, source: 'ssm', fault: 'client' },
  // AmazonSSM: maintenance windows (issue 15)
  DoesNotExistException: { status: 400, source: 'ssm', fault: 'client' },
  FeatureNotAvailableException: { status: 400, source: 'ssm', fault: 'client' },
  IdempotentParameterMismatch: { status: 400, source: 'ssm', fault: 'client' },
  ResourceLimitExceededException: { status: 400, source: 'ssm', fault: 'client' },
  TargetInUseException: { status: 400, source: 'ssm', fault: 'client' },
  // AmazonSSM: inventory (issue 14)
  CustomSchemaCountLimitExceededException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidAggregatorException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidDeleteInventoryParametersException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidDeletionIdException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidInventoryGroupException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidInventoryItemContextException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidInventoryRequestException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidOptionException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidResultAttributeException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidTypeNameException: { status: 400, source: 'ssm', fault: 'client' },
  ItemContentMismatchException: { status: 400, source: 'ssm', fault: 'client' },
  SubTypeCountLimitExceededException: { status: 400, source: 'ssm', fault: 'client' },
  UnsupportedInventoryItemContextException: { status: 400, source: 'ssm', fault: 'client' },
  UnsupportedInventorySchemaVersionException: { status: 400, source: 'ssm', fault: 'client' },
  // AmazonSSM: Automation (issue 16)
  AutomationDefinitionNotApprovedException: { status: 400, source: 'ssm', fault: 'client' },
  AutomationDefinitionNotFoundException: { status: 400, source: 'ssm', fault: 'client' },
  AutomationDefinitionVersionNotFoundException: { status: 400, source: 'ssm', fault: 'client' },
  AutomationExecutionLimitExceededException: { status: 400, source: 'ssm', fault: 'client' },
  AutomationExecutionNotFoundException: { status: 400, source: 'ssm', fault: 'client' },
  AutomationStepNotFoundException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidAutomationExecutionParametersException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidAutomationSignalException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidAutomationStatusUpdateException: { status: 400, source: 'ssm', fault: 'client' },
  NoLongerSupportedException: { status: 400, source: 'ssm', fault: 'client' },
  // AmazonSSM: Patch Manager (issue 17)
  ResourceInUseException: { status: 400, source: 'ssm', fault: 'client' },
  UnsupportedFeatureRequiredException: { status: 400, source: 'ssm', fault: 'client' },
  UnsupportedOperatingSystem: { status: 400, source: 'ssm', fault: 'client' },
  // CloudTrail
  InvalidLookupAttributesException: { status: 400, source: 'cloudtrail', fault: 'client' },
  InvalidMaxResultsException: { status: 400, source: 'cloudtrail', fault: 'client' },
  InvalidNextTokenException: { status: 400, source: 'cloudtrail', fault: 'client' },
  InvalidTimeRangeException: { status: 400, source: 'cloudtrail', fault: 'client' },
  InvalidEventCategoryException: { status: 400, source: 'cloudtrail', fault: 'client' },
  // Parameter Store, KMS and Secrets Manager (issue 3). A code two services share is declared once.
  // AmazonSSM: Parameter Store
  ParameterNotFound: { status: 400, source: 'ssm', fault: 'client' },
  ParameterAlreadyExists: { status: 400, source: 'ssm', fault: 'client' },
  ParameterLimitExceeded: { status: 400, source: 'ssm', fault: 'client' },
  ParameterMaxVersionLimitExceeded: { status: 400, source: 'ssm', fault: 'client' },
  ParameterPatternMismatchException: { status: 400, source: 'ssm', fault: 'client' },
  ParameterVersionNotFound: { status: 400, source: 'ssm', fault: 'client' },
  ParameterVersionLabelLimitExceeded: { status: 400, source: 'ssm', fault: 'client' },
  HierarchyLevelLimitExceededException: { status: 400, source: 'ssm', fault: 'client' },
  HierarchyTypeMismatchException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidAllowedPatternException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidKeyId: { status: 400, source: 'ssm', fault: 'client' },
  InvalidFilterOption: { status: 400, source: 'ssm', fault: 'client' },
  InvalidFilterValue: { status: 400, source: 'ssm', fault: 'client' },
  UnsupportedParameterType: { status: 400, source: 'ssm', fault: 'client' },
  PoliciesLimitExceededException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidPolicyTypeException: { status: 400, source: 'ssm', fault: 'client' },
  InvalidPolicyAttributeException: { status: 400, source: 'ssm', fault: 'client' },
  IncompatiblePolicyException: { status: 400, source: 'ssm', fault: 'client' },
  // TrentService: KMS
  AlreadyExistsException: { status: 400, source: 'kms', fault: 'client' },
  DisabledException: { status: 400, source: 'kms', fault: 'client' },
  IncorrectKeyException: { status: 400, source: 'kms', fault: 'client' },
  InvalidAliasNameException: { status: 400, source: 'kms', fault: 'client' },
  InvalidArnException: { status: 400, source: 'kms', fault: 'client' },
  InvalidCiphertextException: { status: 400, source: 'kms', fault: 'client' },
  KMSInternalException: { status: 500, source: 'kms', fault: 'server' },
  KMSInvalidStateException: { status: 400, source: 'kms', fault: 'client' },
  LimitExceededException: { status: 400, source: 'kms', fault: 'client' },
  NotFoundException: { status: 400, source: 'kms', fault: 'client' },
  TagException: { status: 400, source: 'kms', fault: 'client' },
  UnsupportedOperationException: { status: 400, source: 'kms', fault: 'client' },
  // secretsmanager
  DecryptionFailure: { status: 400, source: 'secretsmanager', fault: 'client' },
  EncryptionFailure: { status: 400, source: 'secretsmanager', fault: 'client' },
  InternalServiceError: { status: 500, source: 'secretsmanager', fault: 'server' },
  InvalidParameterException: { status: 400, source: 'secretsmanager', fault: 'client' },
  InvalidRequestException: { status: 400, source: 'secretsmanager', fault: 'client' },
  ResourceExistsException: { status: 400, source: 'secretsmanager', fault: 'client' },
  ResourceNotFoundException: { status: 400, source: 'secretsmanager', fault: 'client' },
  // Access control (IAM and STS, AWS Query protocol): keyed by the code on the wire.
  NoSuchEntity: { status: 404, source: 'iam', fault: 'client', shape: 'NoSuchEntityException' },
  EntityAlreadyExists: { status: 409, source: 'iam', fault: 'client', shape: 'EntityAlreadyExistsException' },
  LimitExceeded: { status: 409, source: 'iam', fault: 'client', shape: 'LimitExceededException' },
  DeleteConflict: { status: 409, source: 'iam', fault: 'client', shape: 'DeleteConflictException' },
  MalformedPolicyDocument: { status: 400, source: 'iam', fault: 'client', shape: 'MalformedPolicyDocumentException' },
  InvalidInput: { status: 400, source: 'iam', fault: 'client', shape: 'InvalidInputException' },
  PolicyNotAttachable: { status: 400, source: 'iam', fault: 'client', shape: 'PolicyNotAttachableException' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorCatalogue;

/** An error that the API answers with in AWS's shape. */
export class AwsError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = code;
    this.code = code;
    this.status = errorCatalogue[code].status;
  }

  toJSON(): { __type: string; message: string } {
    return { __type: this.code, message: this.message };
  }
}

export function awsError(code: ErrorCode, message: string): AwsError {
  return new AwsError(code, message);
}

export function isAwsError(value: unknown): value is AwsError {
  return value instanceof AwsError;
}
