/**
 * Thrown for a malformed or invalid document; the message is what the API's
 * InvalidDocumentContent or InvalidDocumentSchemaVersion carries.
 */
export class DocumentContentError extends Error {
  readonly code: 'InvalidDocumentContent' | 'InvalidDocumentSchemaVersion';

  constructor(message: string, code: 'InvalidDocumentContent' | 'InvalidDocumentSchemaVersion' = 'InvalidDocumentContent') {
    super(message);
    this.name = 'DocumentContentError';
    this.code = code;
  }
}

/** Thrown for bad parameter values at send time; the message names the parameter (and the step when relevant), as AWS's InvalidParameters. */
export class DocumentParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DocumentParameterError';
  }
}
