package io.machinehost.host.legacy;

import io.machinehost.host.legacy.gob.GobDecoder;
import io.machinehost.host.legacy.gob.GobEncoder;
import io.machinehost.host.legacy.gob.GobStruct;
import io.machinehost.host.legacy.gob.GobType;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Go {@code net/rpc} client over HTTP CONNECT (what {@code rpc.DialHTTP} does): {@code CONNECT
 * /_goRPC_}, then gob-encoded request headers and bodies one way and response headers and bodies
 * the other, on one gob stream each. Calls may overlap (a heartbeat during a long Create); replies
 * are matched by sequence number.
 */
public final class RpcClient implements AutoCloseable {
  private static final String CONNECTED = "200 Connected to Go RPC";

  private final Socket socket;
  private final OutputStream out;
  private final GobEncoder encoder;
  private final Map<Long, CompletableFuture<Object>> pending = new ConcurrentHashMap<>();
  private long nextSeq;
  private volatile IOException broken;

  private RpcClient(Socket socket, InputStream in) throws IOException {
    this.socket = socket;
    this.out = new BufferedOutputStream(socket.getOutputStream());
    this.encoder = new GobEncoder(out);
    Thread reader = new Thread(() -> readLoop(in), "machinehost-legacy-rpc-" + socket.getPort());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Connects to a plugin's RPC server.
   *
   * @param address the address the plugin printed (loopback only)
   * @param timeout bounds the connect and the CONNECT exchange
   * @throws IOException if it cannot connect or the server is not a Go RPC server
   */
  public static RpcClient connect(InetSocketAddress address, Duration timeout) throws IOException {
    Socket socket = new Socket();
    try {
      socket.connect(address, (int) timeout.toMillis());
      socket.setTcpNoDelay(true);
      socket.setSoTimeout((int) timeout.toMillis());
      OutputStream o = socket.getOutputStream();
      o.write("CONNECT /_goRPC_ HTTP/1.0\n\n".getBytes(StandardCharsets.US_ASCII));
      o.flush();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String status = readLine(in);
      if (!status.contains(CONNECTED)) {
        throw new IOException("not a Go RPC server: it answered \"" + status + "\" to CONNECT");
      }
      while (!readLine(in).isEmpty()) {
        // the rest of the response head
      }
      socket.setSoTimeout(0);
      return new RpcClient(socket, in);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new IOException("the connection closed during the CONNECT exchange");
      }
      if (line.size() > 1024) {
        throw new IOException("an over-long line in the answer to CONNECT");
      }
      if (c != '\r') {
        line.write(c);
      }
    }
    return line.toString(StandardCharsets.US_ASCII);
  }

  private void readLoop(InputStream in) {
    GobDecoder decoder = new GobDecoder(in);
    try {
      while (true) {
        GobStruct header = (GobStruct) decoder.decode();
        Object body = decoder.decode();
        CompletableFuture<Object> call = pending.remove(header.integer("Seq"));
        if (call == null) {
          continue;
        }
        String error = header.string("Error");
        if (!error.isEmpty()) {
          call.completeExceptionally(new RpcException(error));
        } else {
          call.complete(body);
        }
      }
    } catch (IOException | ClassCastException e) {
      fail(e instanceof IOException io ? io : new IOException("a malformed RPC response", e));
    }
  }

  private void fail(IOException e) {
    if (broken == null) {
      broken = e;
    }
    pending.values().forEach(c -> c.completeExceptionally(broken));
    pending.clear();
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  /**
   * Starts a call.
   *
   * @param serviceMethod e.g. {@code RPCServerDriver.GetState}
   * @param argType the argument's gob type
   * @param arg the argument
   * @return the reply, completed exceptionally with {@link RpcException} for the server's error or
   *     {@link IOException} when the connection fails
   */
  public CompletableFuture<Object> start(String serviceMethod, GobType argType, Object arg) {
    CompletableFuture<Object> call = new CompletableFuture<>();
    synchronized (this) {
      if (broken != null) {
        call.completeExceptionally(broken);
        return call;
      }
      long seq = nextSeq++;
      pending.put(seq, call);
      try {
        encoder.encode(LegacyTypes.REQUEST, Map.of("ServiceMethod", serviceMethod, "Seq", seq));
        encoder.encode(argType, arg);
        out.flush();
      } catch (IOException e) {
        pending.remove(seq);
        call.completeExceptionally(e);
        fail(e);
      }
    }
    return call;
  }

  /**
   * Makes a call and waits for its reply.
   *
   * @param timeout how long to wait; zero for no limit
   * @throws RpcException the server's error
   * @throws IOException if the connection fails
   * @throws TimeoutException if no reply came in time
   * @throws InterruptedException if interrupted while waiting
   */
  public Object call(String serviceMethod, GobType argType, Object arg, Duration timeout)
      throws RpcException, IOException, TimeoutException, InterruptedException {
    return await(start(serviceMethod, argType, arg), timeout);
  }

  /** Waits for a started call; see {@link #call}. */
  public static Object await(CompletableFuture<Object> call, Duration timeout)
      throws RpcException, IOException, TimeoutException, InterruptedException {
    try {
      return timeout.isZero() ? call.get() : call.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RpcException r) {
        throw r;
      }
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    }
  }

  /** Returns why the connection failed, or {@code null} while it works. */
  public IOException broken() {
    return broken;
  }

  /** Fails every pending call with {@code reason} and closes the connection. */
  public void abort(String reason) {
    fail(new IOException(reason));
  }

  @Override
  public void close() {
    abort("the connection was closed");
  }
}
