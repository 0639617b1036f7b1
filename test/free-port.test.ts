/**
 * freePort hands child processes (Prometheus, Alertmanager, Pushgateway, modelwatch) a port below
 * the kernel's ephemeral range, where outgoing connections of concurrent tests cannot take it
 * between the probe and the child's bind.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { freePort } from '../bench/children.js';

const lowestEphemeral = (): number => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
};

describe('freePort', () => {
  test('draws distinct ports from 20000 up to the ephemeral range, each bindable on 127.0.0.1', async () => {
    const high = lowestEphemeral();
    const ports = await Promise.all(Array.from({ length: 40 }, () => freePort()));
    assert.equal(new Set(ports).size, ports.length, 'no port handed out twice');
    for (const port of ports) {
      assert.ok(port >= 20_000 && port < high, `${port} is in [20000, ${high})`);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(ports[0], '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });
});
