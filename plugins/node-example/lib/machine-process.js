'use strict';
// A nodeproc machine: a small TCP service on the loopback interface.
//
//   node machine-process.js --detach --name NAME --port PORT --mode banner|echo --greeting TEXT
//
// With --detach (how the driver runs it) this process only launches the machine: it starts a copy
// of itself without --detach in a session of its own (stdin/stdout on /dev/null, stderr inherited:
// the machine's log file) with an IPC channel, waits until the copy listens and reports
// {pid, port}, drops the channel, prints "<pid> <port>" on stdout and exits. The machine is then
// no descendant of the plugin: it neither holds the plugin's pipes nor dies when a host kills the
// plugin and its descendants. The machine serves until SIGTERM (graceful) or SIGKILL. If
// NODEPROC_MACHINE_TOKEN is set, a client must send it as its first line before being answered.
// Exit codes: 0 started, 2 cannot serve, 3 port in use.

const net = require('node:net');
const crypto = require('node:crypto');
const { parseArgs } = require('node:util');

const { values: args } = parseArgs({
  options: {
    name: { type: 'string' },
    port: { type: 'string', default: '0' },
    mode: { type: 'string', default: 'banner' },
    greeting: { type: 'string', default: '' },
    detach: { type: 'boolean', default: false }, // must come first
  },
});

if (process.argv[2] === '--detach') {
  launch();
} else {
  serveMachine();
}

function launch() {
  const { spawn } = require('node:child_process');
  const argv = process.argv.slice(3);
  const machine = spawn(process.execPath, [__filename, ...argv], {
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    cwd: '/',
  });
  machine.once('message', ({ pid, port }) => {
    machine.removeAllListeners('exit');
    machine.disconnect();
    machine.unref();
    process.stdout.write(`${pid} ${port}\n`, () => process.exit(0));
  });
  machine.once('exit', (code) => process.exit(code || 2));
  machine.once('error', (e) => {
    process.stderr.write(`cannot start the machine process: ${e.message}\n`);
    process.exit(2);
  });
}

function serveMachine() {
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
}
