package io.machinehost.driver.amazonec2;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * An HTTP proxy on 127.0.0.1 in front of moto that can misbehave as EC2 does under load: answer the
 * next requests with an error (throttling, 503) before passing them on, and hold an action's answer
 * for a while, telling the test when that action arrives. It records the actions it saw.
 */
final class Ec2Proxy implements AutoCloseable {
  private final HttpServer server;
  private final String target;
  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicInteger failures = new AtomicInteger();
  private volatile int failStatus;
  private volatile String failCode = "";
  private final Map<String, Long> delays = new ConcurrentHashMap<>();
  private final Map<String, Consumer<String>> watchers = new ConcurrentHashMap<>();
  private final List<String> actions = new CopyOnWriteArrayList<>();
  private final AtomicInteger failed = new AtomicInteger();

  private Ec2Proxy(HttpServer server, String target) {
    this.server = server;
    this.target = target;
  }

  static Ec2Proxy in(MotoServer moto) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    Ec2Proxy proxy = new Ec2Proxy(server, moto.endpoint());
    server.createContext("/", proxy::handle);
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    return proxy;
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers the next {@code count} requests with an EC2 error of that status and code. */
  void failNext(int count, int status, String code) {
    failStatus = status;
    failCode = code;
    failures.set(count);
  }

  /** Holds each answer to {@code action} for {@code millis}, after telling {@code watcher}. */
  void hold(String action, long millis, Consumer<String> watcher) {
    delays.put(action, millis);
    watchers.put(action, watcher);
  }

  List<String> actions() {
    return List.copyOf(actions);
  }

  int failed() {
    return failed.get();
  }

  private static String action(String body) {
    for (String pair : body.split("&")) {
      if (pair.startsWith("Action=")) {
        return URLDecoder.decode(pair.substring("Action=".length()), StandardCharsets.UTF_8);
      }
    }
    return "";
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String action = action(new String(body, StandardCharsets.UTF_8));
      actions.add(action);
      if (failures.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
        failed.incrementAndGet();
        byte[] error =
            ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>"
                    + failCode
                    + "</Code><Message>the proxy refused this "
                    + action
                    + "</Message></Error></Errors><RequestID>proxy</RequestID></Response>")
                .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/xml");
        exchange.sendResponseHeaders(failStatus, error.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(error);
        }
        return;
      }
      HttpRequest.Builder forward =
          HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
              .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
      exchange
          .getRequestHeaders()
          .forEach(
              (name, values) -> {
                String lower = name.toLowerCase(java.util.Locale.ROOT);
                if (!List.of("host", "content-length", "connection", "expect", "transfer-encoding")
                    .contains(lower)) {
                  values.forEach(v -> forward.header(name, v));
                }
              });
      HttpResponse<byte[]> answer =
          http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      Consumer<String> watcher = watchers.get(action);
      if (watcher != null) {
        watcher.accept(action);
        Thread.sleep(delays.getOrDefault(action, 0L));
      }
      answer
          .headers()
          .firstValue("Content-Type")
          .ifPresent(v -> exchange.getResponseHeaders().add("Content-Type", v));
      exchange.sendResponseHeaders(
          answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
      if (answer.body().length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(answer.body());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
