import { createHash, createHmac } from 'node:crypto';

/**
 * A minimal SigV4 signer for AWS JSON 1.1 POST requests, as cheap as a real SDK makes it:
 * every request is signed (canonical request, string to sign, HMAC), and the derived signing
 * key is cached per day, region and service, as the SDKs do. The benchmark checks it against
 * @smithy/signature-v4 and against the server before it measures anything.
 */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface JsonRequestToSign {
  /** host[:port] as sent in the Host header */
  readonly host: string;
  readonly target: string;
  readonly body: string;
  /** epoch ms; default now */
  readonly at?: number;
}

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
const SIGNED_HEADERS = 'content-length;content-type;host;x-amz-date;x-amz-target';

export class JsonSigner {
  private keyDate = '';
  private signingKey: Buffer = Buffer.alloc(0);
  private dateSecond = -1;
  private amzDate = '';

  constructor(
    private readonly credentials: Credentials,
    private readonly region: string,
    private readonly service: string,
  ) {}

  /** The headers of a signed request (Host included). */
  sign(req: JsonRequestToSign): Record<string, string> {
    const amzDate = this.amzDateOf(req.at ?? Date.now());
    const day = amzDate.slice(0, 8);
    const scope = `${day}/${this.region}/${this.service}/aws4_request`;
    const contentLength = String(Buffer.byteLength(req.body));
    const payloadHash = createHash('sha256').update(req.body).digest('hex');
    const canonicalRequest =
      `POST\n/\n\ncontent-length:${contentLength}\ncontent-type:${JSON_CONTENT_TYPE}\nhost:${req.host}\n` +
      `x-amz-date:${amzDate}\nx-amz-target:${req.target}\n\n${SIGNED_HEADERS}\n${payloadHash}`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const signature = createHmac('sha256', this.keyFor(day)).update(stringToSign).digest('hex');
    return {
      'content-length': contentLength,
      'content-type': JSON_CONTENT_TYPE,
      host: req.host,
      'x-amz-date': amzDate,
      'x-amz-target': req.target,
      authorization: `AWS4-HMAC-SHA256 Credential=${this.credentials.accessKeyId}/${scope}, SignedHeaders=${SIGNED_HEADERS}, Signature=${signature}`,
    };
  }

  private amzDateOf(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.amzDate = new Date(second * 1000).toISOString().replace(/[-:]|\.\d{3}/g, '');
    }
    return this.amzDate;
  }

  private keyFor(day: string): Buffer {
    if (day !== this.keyDate) {
      const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
      const kDate = hmac(`AWS4${this.credentials.secretAccessKey}`, day);
      this.signingKey = hmac(hmac(hmac(kDate, this.region), this.service), 'aws4_request');
      this.keyDate = day;
    }
    return this.signingKey;
  }
}
