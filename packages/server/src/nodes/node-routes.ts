import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import {
  CHANNEL_PATH, CREDENTIALS_PATH, credentialsPayload, heartbeatProblem, INSTANCE_ID_PATTERN, isAwsError, MAX_CLOCK_SKEW_MS, MAX_FRAME_BYTES, REGISTER_PATH, registrationTagsProblem,
  type CredentialsRequest, type CredentialsResponse, type NodeRefusal, type RegisterRequest, type RegisterResponse,
} from '@bosun/protocol';
import type { Principal } from '../accounts/principal.ts';
import { issueSessionCredentials } from '../accounts/session-credentials.ts';
import type { SignedRequest, VerifiedRequest } from '../api/sigv4.ts';
import type { RootKey } from '../crypto/root-key.ts';
import type { Logger } from '../logger.ts';
import type { Db } from '../store/store.ts';
import { ChannelRefusal, type ChannelHub } from './channel-hub.ts';
import { hashActivationCode, newInstanceId, syntheticRoleId } from './ids.ts';
import { nodeOf } from './node-authorizer.ts';
import type { NodeChanges } from './node-changes.ts';
import { findInstance, recordHeartbeat, recordRefusal, registerInstance, touchInstance } from './nodes-store.ts';

export interface NodeRoutesOptions {
  readonly db: Db;
  readonly rootKey: RootKey;
  readonly hub: ChannelHub;
  readonly verify: (req: SignedRequest) => Promise<VerifiedRequest<Principal>>;
  readonly now: () => number;
  readonly logger: Logger;
  /** Lifetime of a node's credentials. Default 1 hour (the agent renews at half-life). */
  readonly credentialsTtlMs: number;
  /** Told of each registration once committed. */
  readonly changes?: NodeChanges;
}

/**
 * Registration, credentials and the channel: Bosun's own routes, never AWS shapes. A node
 * lives in its activation's region and is told that region: the agent signs every call for it.
 */
export function nodeRoutes(options: NodeRoutesOptions) {
  const { db, hub, logger } = options;

  hub.handle('heartbeat', async (peer, body, { now }) => {
    const problem = heartbeatProblem(body);
    if (problem) throw new ChannelRefusal(problem);
    await recordHeartbeat(db, peer.instanceId, {
      agent_version: body.agentVersion,
      platform_name: body.platformName,
      platform_type: body.platformType,
      platform_version: body.platformVersion,
      computer_name: body.computerName,
      ip_address: body.ipAddresses[0] ?? '',
      clock_offset_ms: Math.round(body.clockOffsetMs),
    }, now);
  });
  hub.handle('node-event', async (peer, body) => {
    if (typeof body.event !== 'string') throw new ChannelRefusal('node-event needs an event name');
    logger.info({ instanceId: peer.instanceId, event: body.event, detail: body.detail }, `node ${peer.instanceId}: ${body.event}`);
  });

  return async function plugin(app: FastifyInstance): Promise<void> {
    await app.register(websocket, { options: { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false } });

    app.post(REGISTER_PATH, async (req, reply) => {
      const body = jsonBody(req) as Partial<RegisterRequest> | undefined;
      if (!body || typeof body.activationId !== 'string' || typeof body.activationCode !== 'string' || typeof body.publicKey !== 'string') {
        return refuse(reply, 400, { __type: 'ValidationException', message: 'activationId, activationCode and publicKey are required' });
      }
      if (!isEd25519PublicKey(body.publicKey)) return refuse(reply, 400, { __type: 'ValidationException', message: 'publicKey must be an Ed25519 public key in SPKI PEM' });
      // Tags the node is launched with (bootstrap): checked as AWS checks a Tag, stored with the row.
      const tagsProblem = body.tags === undefined ? undefined : registrationTagsProblem(body.tags);
      if (tagsProblem) return refuse(reply, 400, { __type: 'InvalidTag', message: `Invalid registration tags: ${tagsProblem}.` });
      const now = options.now();
      const result = await registerInstance(db, {
        activationId: body.activationId,
        codeHash: hashActivationCode(body.activationCode),
        now,
        tags: body.tags,
        instance: {
          instance_id: newInstanceId(),
          public_key: body.publicKey,
          registered_at: now,
          deregistered_at: null,
          last_ping_at: null,
          agent_version: null,
          platform_name: null,
          platform_type: null,
          platform_version: null,
          computer_name: typeof body.computerName === 'string' ? body.computerName.slice(0, 256) : null,
          ip_address: null,
          clock_offset_ms: null,
          refused_reason: null,
          refused_at: null,
          refused_skew_ms: null,
        },
      });
      if (!result.ok) {
        const message = result.reason === 'not-found'
          ? 'Activation ID/code is invalid or the activation was deleted: create a new activation (aws ssm create-activation).'
          : result.reason === 'expired'
            ? `The activation ${body.activationId} expired at ${new Date(result.activation!.expires_at).toISOString()}: create a new activation.`
            : `The activation ${body.activationId} reached its registration limit of ${result.activation!.registration_limit}: create a new activation or deregister a node.`;
        logger.warn({ activationId: body.activationId, reason: result.reason }, 'node registration refused');
        return refuse(reply, 400, { __type: 'InvalidActivation', message });
      }
      logger.info({ instanceId: result.row.instance_id, activationId: body.activationId }, `node ${result.row.instance_id} registered`);
      options.changes?.emit({ accountId: result.row.account_id, region: result.row.region, instanceId: result.row.instance_id, reason: 'registered' });
      const response: RegisterResponse = { instanceId: result.row.instance_id, accountId: result.row.account_id, region: result.row.region };
      return reply.code(200).send(response);
    });

    app.post(CREDENTIALS_PATH, async (req, reply) => {
      const body = jsonBody(req) as Partial<CredentialsRequest> | undefined;
      if (!body || typeof body.instanceId !== 'string' || typeof body.time !== 'number' || typeof body.nonce !== 'string' || typeof body.signature !== 'string' || !INSTANCE_ID_PATTERN.test(body.instanceId)) {
        return refuse(reply, 400, { __type: 'ValidationException', message: 'instanceId, time, nonce and signature are required' });
      }
      const now = options.now();
      const row = await findInstance(db, body.instanceId);
      if (!row) return refuse(reply, 400, { __type: 'InvalidInstanceId', message: `Instance ${body.instanceId} is not registered.` });
      if (row.deregistered_at !== null) return refuse(reply, 400, { __type: 'InvalidInstanceId', message: `Instance ${body.instanceId} was deregistered: register it again with a new activation.` });
      let valid = false;
      try {
        valid = crypto.verify(null, Buffer.from(credentialsPayload({ instanceId: body.instanceId, time: body.time, nonce: body.nonce })), row.public_key, Buffer.from(body.signature, 'base64'));
      } catch {
        valid = false;
      }
      if (!valid) {
        await recordRefusal(db, row.instance_id, { reason: 'InvalidSignature: the request was not signed with the node\'s key', skewMs: null }, now);
        return refuse(reply, 403, { __type: 'InvalidSignatureException', message: 'The request signature does not match the node\'s registered public key.' });
      }
      const skewMs = body.time - now;
      if (Math.abs(skewMs) > MAX_CLOCK_SKEW_MS) {
        const seconds = Math.round(Math.abs(skewMs) / 1000);
        const reason = `ClockSkew: the node's clock is ${seconds} s ${skewMs > 0 ? 'ahead of' : 'behind'} the server's (at most ${MAX_CLOCK_SKEW_MS / 1000} s allowed); fix the node's time: enable NTP or chrony`;
        await recordRefusal(db, row.instance_id, { reason, skewMs }, now);
        logger.warn({ instanceId: row.instance_id, skewMs }, `node ${row.instance_id} refused: ${reason}`);
        return refuse(reply, 403, { __type: 'InvalidSignatureException', message: `Signature expired: ${reason}`, serverTime: now, skewMs });
      }
      const credentials = await issueSessionCredentials(db, options.rootKey, {
        accountId: row.account_id,
        roleName: row.iam_role,
        roleId: syntheticRoleId(row.account_id, row.iam_role),
        sessionName: row.instance_id,
        subject: row.instance_id,
        now,
        ttlMs: options.credentialsTtlMs,
      });
      const response: CredentialsResponse = {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        sessionToken: credentials.sessionToken,
        expiration: credentials.expiration.getTime(),
        region: row.region,
        serverTime: now,
      };
      return reply.code(200).header('cache-control', 'no-store').send(response);
    });

    app.get(CHANNEL_PATH, {
      websocket: true,
      preValidation: async (req, reply) => {
        try {
          const [path, query = ''] = (req.raw.url ?? '/').split('?');
          const verified = await options.verify({ method: 'GET', path, query, headers: req.headers, body: Buffer.alloc(0) });
          const instanceId = nodeOf(verified.principal);
          if (!instanceId) return refuse(reply, 403, { __type: 'AccessDeniedException', message: 'Only a managed node\'s credentials can open a node channel.' });
          const row = await findInstance(db, instanceId);
          if (!row || row.deregistered_at !== null || row.account_id !== verified.principal.accountId) {
            return refuse(reply, 403, { __type: 'AccessDeniedException', message: `Instance ${instanceId} is not a registered managed node.` });
          }
          (req as FastifyRequest & { bosunPeer?: { accountId: string; instanceId: string } }).bosunPeer = { accountId: row.account_id, instanceId };
        } catch (error) {
          if (isAwsError(error)) return refuse(reply, 403, { __type: error.code, message: error.message });
          throw error;
        }
      },
    }, (socket, req) => {
      const peer = (req as FastifyRequest & { bosunPeer?: { accountId: string; instanceId: string } }).bosunPeer!;
      // The hub listens at once (a frame sent right after the upgrade must not be lost while
      // the store marks the node alive); it handles frames once that write is done.
      hub.accept(socket, peer, touchInstance(db, peer.instanceId, options.now()))
        .catch((error: unknown) => {
          logger.error({ err: error, instanceId: peer.instanceId }, 'node channel could not be opened');
          socket.close(1011, 'internal error');
        });
    });
  };
}

function jsonBody(req: FastifyRequest): unknown {
  if (!Buffer.isBuffer(req.body) || req.body.length === 0) return undefined;
  try {
    const value = JSON.parse(req.body.toString('utf8')) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function refuse(reply: FastifyReply, status: number, body: NodeRefusal): FastifyReply {
  return reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body));
}

function isEd25519PublicKey(pem: string): boolean {
  try {
    return crypto.createPublicKey(pem).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}
