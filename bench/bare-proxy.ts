/**
 * The floor for `npm run bench:gateway`: the least a Node reverse proxy can do — a bare node:http
 * server handing every request to the same undici `Pool.stream()` call the gateway makes
 * (src/gateway/forward.ts), with no Fastify, no metrics, no guard. What it adds over the upstream
 * driven directly is what a second Node process on the request path costs on this machine; the
 * gateway's figure beyond it is the gateway's own.
 * Run as a child process: `PORT=5002 UPSTREAM=http://127.0.0.1:5001 node dist/bench/bare-proxy.js`.
 */
import { createServer } from 'node:http';
import { Upstream } from '../src/gateway/forward.js';

const upstream = new Upstream(process.env.UPSTREAM ?? 'http://127.0.0.1:5001', { timeoutMs: 30_000 });

const server = createServer((req, res) => {
  // The bench's /ready poll is answered here, so that it measures this process, not the upstream.
  if (req.url === '/ready') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ready":true}');
    return;
  }
  const call = upstream.forward(
    { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req },
    {
      onResponse: (status, headers) => res.writeHead(status, headers),
      onError: (kind) => res.writeHead(502, { 'content-type': 'text/plain' }).end(kind),
    },
  );
  res.once('close', () => res.writableFinished || call.abort());
});

server.listen(Number(process.env.PORT ?? 5002), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close(() => void upstream.close().then(() => process.exit(0)));
  server.closeAllConnections();
});
