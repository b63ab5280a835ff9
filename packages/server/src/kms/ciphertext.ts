import crypto from 'node:crypto';

/**
 * The KMS ciphertext blob: it names the account, key and key version that encrypted it, so
 * that Decrypt needs no KeyId and a rotated key still opens data encrypted under an older
 * version. The header and the encryption context are AES-GCM additional data: changing either,
 * or a byte of the ciphertext, makes decryption fail.
 *
 *   0      1 byte   format (1)
 *   1     12 bytes  account id (ASCII digits)
 *   13    36 bytes  key id (UUID, ASCII)
 *   49     4 bytes  key version, big-endian
 *   53    12 bytes  IV
 *   65    16 bytes  GCM tag
 *   81     …        ciphertext
 */
const FORMAT = 1;
const HEADER = 53;
const IV = 12;
const TAG = 16;

export interface BlobHeader {
  readonly accountId: string;
  readonly keyId: string;
  readonly keyVersion: number;
}

/** Canonical bytes of an encryption context: pairs sorted by key, so the order given does not matter. */
export function canonicalContext(context: Record<string, string> | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}

export function encryptBlob(header: BlobHeader, material: Buffer, plaintext: Buffer, context: Record<string, string> | undefined): Buffer {
  const head = encodeHeader(header);
  const iv = crypto.randomBytes(IV);
  const cipher = crypto.createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(Buffer.concat([head, canonicalContext(context)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([head, iv, cipher.getAuthTag(), body]);
}

/** The header of a blob, or undefined when the bytes are not a Bosun KMS ciphertext. */
export function readBlobHeader(blob: Uint8Array): BlobHeader | undefined {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (bytes.length < HEADER + IV + TAG || bytes[0] !== FORMAT) return undefined;
  const accountId = bytes.toString('latin1', 1, 13);
  const keyId = bytes.toString('latin1', 13, 49);
  if (!/^\d{12}$/.test(accountId) || !/^[0-9a-f-]{36}$/.test(keyId)) return undefined;
  return { accountId, keyId, keyVersion: bytes.readUInt32BE(49) };
}

/** Opens a blob; undefined when it does not authenticate (tampered, wrong key or wrong context). */
export function decryptBlob(blob: Uint8Array, material: Buffer, context: Record<string, string> | undefined): Buffer | undefined {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', material, bytes.subarray(HEADER, HEADER + IV));
    decipher.setAAD(Buffer.concat([bytes.subarray(0, HEADER), canonicalContext(context)]));
    decipher.setAuthTag(bytes.subarray(HEADER + IV, HEADER + IV + TAG));
    return Buffer.concat([decipher.update(bytes.subarray(HEADER + IV + TAG)), decipher.final()]);
  } catch {
    return undefined;
  }
}

function encodeHeader(header: BlobHeader): Buffer {
  const head = Buffer.alloc(HEADER);
  head[0] = FORMAT;
  head.write(header.accountId, 1, 12, 'latin1');
  head.write(header.keyId, 13, 36, 'latin1');
  head.writeUInt32BE(header.keyVersion, 49);
  return head;
}

/**
 * Envelope encryption of a value under a data key: the data key's KMS blob, then the value
 * sealed with the data key (the same context bound again). Layout: 2-byte length of the
 * data key blob, the blob, IV, tag, ciphertext.
 */
export function sealEnvelope(dataKeyBlob: Buffer, dataKey: Buffer, plaintext: Buffer, context: Record<string, string>): Buffer {
  const iv = crypto.randomBytes(IV);
  const cipher = crypto.createCipheriv('aes-256-gcm', dataKey, iv);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(dataKeyBlob.length);
  cipher.setAAD(Buffer.concat([length, dataKeyBlob, canonicalContext(context)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([length, dataKeyBlob, iv, cipher.getAuthTag(), body]);
}

export function envelopeDataKeyBlob(envelope: Buffer): Buffer | undefined {
  if (envelope.length < 2) return undefined;
  const length = envelope.readUInt16BE(0);
  if (envelope.length < 2 + length + IV + TAG) return undefined;
  return envelope.subarray(2, 2 + length);
}

export function openEnvelope(envelope: Buffer, dataKey: Buffer, context: Record<string, string>): Buffer | undefined {
  const length = envelope.readUInt16BE(0);
  const at = 2 + length;
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', dataKey, envelope.subarray(at, at + IV));
    decipher.setAAD(Buffer.concat([envelope.subarray(0, at), canonicalContext(context)]));
    decipher.setAuthTag(envelope.subarray(at + IV, at + IV + TAG));
    return Buffer.concat([decipher.update(envelope.subarray(at + IV + TAG)), decipher.final()]);
  } catch {
    return undefined;
  }
}
