'use strict';
// A nodeproc machine: a small TCP service on the loopback interface.
//
//   node machine-process.js --name NAME --port PORT --mode banner|echo --greeting TEXT
//
// Started detached by the driver (its own session, stdin/stdout on /dev/null, stderr in the
// machine's log file) with an IPC channel: once it listens it sends {pid, port} and drops the
// channel, so the driver learns the port only when the service accepts connections. It serves
// until SIGTERM (graceful) or SIGKILL. If NODEPROC_MACHINE_TOKEN is set, a client must send it as
// its first line before being answered. Exit codes: 2 cannot serve, 3 port in use.

const net = require('node:net');
const crypto = require('node:crypto');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    name: { type: 'string' },
    port: { type: 'string', default: '0' },
    mode: { type: 'string', default: 'banner' },
    greeting: { type: 'string', default: '' },
  },
});
const token = process.env.NODEPROC_MACHINE_TOKEN || '';
delete process.env.NODEPROC_MACHINE_TOKEN;

function log(message) {
  process.stderr.write(`${new Date().toISOString()} ${message}\n`);
}

function sameSecret(a, b) {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

function serve(socket) {
  socket.setTimeout(30000, () => socket.destroy());
  socket.on('error', () => {});
  let buffered = '';
  let admitted = !token;
  const greet = () => {
    socket.write(`${args.greeting}\n`);
    if (args.mode !== 'echo') socket.end();
  };
  socket.on('data', (chunk) => {
    if (admitted) {
      if (args.mode === 'echo') socket.write(chunk);
      return;
    }
    buffered += chunk.toString('utf8');
    const newline = buffered.indexOf('\n');
    if (newline < 0) return;
    if (!sameSecret(buffered.slice(0, newline).replace(/\r$/, ''), token)) {
      socket.end('denied\n');
      return;
    }
    admitted = true;
    greet();
    const rest = buffered.slice(newline + 1);
    if (args.mode === 'echo' && rest) socket.write(rest);
  });
  if (admitted) greet();
}

const server = net.createServer(serve);
server.on('error', (e) => {
  log(`machine ${args.name}: cannot listen on 127.0.0.1:${args.port}: ${e.message}`);
  process.exit(e.code === 'EADDRINUSE' ? 3 : 2);
});
server.listen({ host: '127.0.0.1', port: Number(args.port) }, () => {
  const { port } = server.address();
  log(`machine ${args.name} serving on 127.0.0.1:${port} (pid ${process.pid}, mode ${args.mode})`);
  if (process.send) {
    process.send({ pid: process.pid, port }, () => process.disconnect());
  }
});
process.on('SIGTERM', () => {
  log(`machine ${args.name} stopped (SIGTERM)`);
  server.close();
  process.exit(0);
});
process.on('SIGHUP', () => {});
