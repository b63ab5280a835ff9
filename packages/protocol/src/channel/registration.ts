/**
 * Bosun's node registration exchange (routes under /bosun/v1/nodes/), shared by the
 * server and the agent. Never an AWS shape: AWS's own hybrid registration is private.
 *
 *   register:    activation id + code + the node's public key  → node id
 *   credentials: node id + time + nonce, signed with the node's private key
 *                → short-lived SigV4 credentials of the activation's role
 */

export const REGISTER_PATH = '/bosun/v1/nodes/register';
export const CREDENTIALS_PATH = '/bosun/v1/nodes/credentials';
export const CHANNEL_PATH = '/bosun/v1/nodes/channel';

/** A signed request more than this far from the server's clock is refused, as SigV4 does. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export interface RegisterRequest {
  readonly activationId: string;
  readonly activationCode: string;
  /** The node's Ed25519 public key, SPKI PEM. */
  readonly publicKey: string;
  /** Name reported at registration (the agent's hostname). */
  readonly computerName?: string;
  /**
   * Tags the node is launched with (`bosun agent --tags Role=web`), added to the activation's
   * (a key given here wins); AWS's Tag shape. Stored with the node before it can heartbeat.
   */
  readonly tags?: readonly { readonly Key: string; readonly Value: string }[];
}

export interface RegisterResponse {
  readonly instanceId: string;
  readonly accountId: string;
  readonly region: string;
}

export interface CredentialsRequest {
  readonly instanceId: string;
  /** The node's clock, epoch ms. */
  readonly time: number;
  readonly nonce: string;
  /** base64 Ed25519 signature of `credentialsPayload(...)`. */
  readonly signature: string;
}

export interface CredentialsResponse {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  /** epoch ms */
  readonly expiration: number;
  readonly region: string;
  readonly serverTime: number;
}

/** The error body of a refused registration or credentials request. */
export interface NodeRefusal {
  readonly __type: string;
  readonly message: string;
  /** Present on clock-skew refusals: the server's clock and the node's offset from it. */
  readonly serverTime?: number;
  readonly skewMs?: number;
}

/** The exact bytes a node signs to obtain credentials. */
export function credentialsPayload(request: Pick<CredentialsRequest, 'instanceId' | 'time' | 'nonce'>): string {
  return `bosun-node-credentials\n${request.instanceId}\n${request.time}\n${request.nonce}`;
}

export const INSTANCE_ID_PATTERN = /^mi-[0-9a-f]{17}$/;

/** Most tags a node may be registered with (AWS's limit for a managed node's tags). */
export const MAX_REGISTRATION_TAGS = 50;

// AWS's Tag shape: TagKey 1–128 and TagValue 0–256 characters of letters, spaces, digits and _.:/=+-@.
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** The problem with registration tags (AWS's Tag shape, no `aws:` keys, no key twice), or undefined. */
export function registrationTagsProblem(tags: unknown): string | undefined {
  if (!Array.isArray(tags)) return 'tags must be a list of {Key, Value}';
  if (tags.length > MAX_REGISTRATION_TAGS) return `at most ${MAX_REGISTRATION_TAGS} tags may be given, not ${tags.length}`;
  const keys = new Set<string>();
  for (const tag of tags as unknown[]) {
    const { Key: key, Value: value } = (tag ?? {}) as { Key?: unknown; Value?: unknown };
    if (typeof key !== 'string' || key.length < 1 || key.length > 128 || !TAG_TEXT.test(key)) {
      return `tag key ${JSON.stringify(key)} must be 1 to 128 letters, digits, spaces or _.:/=+-@`;
    }
    if (key.toLowerCase().startsWith('aws:')) return `tag key ${key} is reserved: keys beginning with aws: are AWS's`;
    if (typeof value !== 'string' || value.length > 256 || !TAG_TEXT.test(value)) {
      return `the value of tag ${key} must be at most 256 letters, digits, spaces or _.:/=+-@`;
    }
    if (keys.has(key)) return `tag key ${key} is given twice`;
    keys.add(key);
  }
  return undefined;
}
