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
