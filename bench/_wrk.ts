import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
const dir = fs.mkdtempSync(os.tmpdir() + '/wrk-');
const child = spawn(process.execPath, ['--import', 'tsx', 'bench/params-server.ts', 'sqlite', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
const line: string = await new Promise((r) => child.stdout!.once('data', (d) => r(String(d).split('\n')[0])));
const info = JSON.parse(line);
const url = new URL(info.url);
const signer = new SignatureV4({ credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey }, region: 'us-east-1', service: 'ssm', sha256: Hash.bind(null, 'sha256') });
async function signed(target: string, body: string) {
  const req = new HttpRequest({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body });
  const s = await signer.sign(req);
  return s.headers as Record<string, string>;
}
const put = JSON.stringify({ Name: '/bench/plain', Value: 'plain-value', Type: 'String' });
const h = await signed('AmazonSSM.PutParameter', put);
const res = await fetch(info.url, { method: 'POST', headers: h, body: put });
console.log('put', res.status);
const body = JSON.stringify({ Name: '/bench/plain' });
const g = await signed('AmazonSSM.GetParameter', body);
delete g.host;
const lua = `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\n` + Object.entries(g).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join('\n') + '\n';
fs.writeFileSync('/tmp/mb/get.lua', lua);
for (const c of (process.env.C ?? '64').split(',')) {
  const out = execFileSync('wrk', ['-t', process.env.T ?? '1', '-c', c, '-d', process.env.D ?? '8', '--latency', '-s', '/tmp/mb/get.lua', info.url], { encoding: 'utf8' });
  console.log(c, out.split('\n').filter((l) => /Requests\/sec|99%|50%|Non-2xx/.test(l)).join(' | '));
}
child.kill('SIGTERM');
