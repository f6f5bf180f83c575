// Runs inside a fresh network namespace (only a loopback interface): starts a server there and
// relays a Unix socket (which crosses namespaces through the file system) to its TCP port.
// Usage: node netns-relay.mjs <socket> <port> <command> [args...]; prints "relay ready" when the
// server accepts connections, and stops it when stdin closes.
import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

const [socketPath, portText, command, ...args] = process.argv.slice(2);
const port = Number(portText);
const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
child.on('exit', (code, signal) => {
  process.stderr.write(`netns-relay: ${command} exited (${code ?? signal})\n`);
  process.exit(1);
});

const relay = createServer((inbound) => {
  const outbound = connect(port, '127.0.0.1');
  inbound.pipe(outbound).pipe(inbound);
  const close = () => {
    inbound.destroy();
    outbound.destroy();
  };
  inbound.on('error', close);
  outbound.on('error', close);
});

const deadline = Date.now() + 60_000;
const probe = () => {
  const socket = connect(port, '127.0.0.1');
  socket.once('connect', () => {
    socket.destroy();
    relay.listen(socketPath, () => process.stdout.write('relay ready\n'));
  });
  socket.once('error', () => {
    socket.destroy();
    if (Date.now() > deadline) {
      process.stderr.write('netns-relay: the server did not start within 60 s\n');
      process.exit(1);
    }
    setTimeout(probe, 100);
  });
};
probe();

const stop = () => {
  child.removeAllListeners('exit');
  child.kill('SIGTERM');
  relay.close();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
