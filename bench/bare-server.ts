/**
 * The baseline for `npm run bench`: the least an HTTP JSON service can do with node:http. It reads
 * the body, JSON.parses it (as any JSON service must) and answers a constant of the same shape and
 * size as modelwatch's answer, so the ratio to it measures modelwatch's own work, not Node's.
 * Run as a child process: `PORT=5001 node dist/bench/bare-server.js`.
 */
import { createServer } from 'node:http';

const ANSWER = JSON.stringify({
  request_id: '00000000-0000-4000-8000-000000000000',
  prediction: 0,
  label: 'no',
  confidence: 0.9459691860927593,
  probability: 0.0540308139072407,
  model_version: 'v1',
});
const ANSWER_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(ANSWER) };

const server = createServer((req, res) => {
  // GET (the bench's /ready poll) answers at once, like the service's readiness route.
  if (req.method !== 'POST') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ready":true}');
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    try {
      JSON.parse(body);
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid json"}');
      return;
    }
    res.writeHead(200, ANSWER_HEADERS).end(ANSWER);
  });
});

server.listen(Number(process.env.PORT ?? 5001), process.env.HOST ?? '127.0.0.1');
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
