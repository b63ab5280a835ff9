/** JSON as AWS JSON 1.1 services write it. */

/**
 * JSON.stringify with AWS's encodings: Date as epoch seconds (a number, milliseconds as
 * the fraction, e.g. 1764142723.123), Buffer/Uint8Array as base64 text. Undefined members
 * are dropped; an undefined value encodes as `{}`, the body of an operation without output.
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value === undefined ? {} : value, function (this: Record<string, unknown>, key: string, encoded: unknown) {
    // JSON.stringify has already applied toJSON (Date → ISO text, Buffer → {type, data});
    // the holder still has the original value.
    const original = this[key];
    if (original instanceof Date) return original.getTime() / 1000;
    if (original instanceof Uint8Array) return Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64');
    return encoded;
  });
}
