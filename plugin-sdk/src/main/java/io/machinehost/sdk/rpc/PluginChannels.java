package io.machinehost.sdk.rpc;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.util.concurrent.ThreadFactory;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Opens the channel a handshake announces, over a Unix socket or loopback TCP. */
public final class PluginChannels {
  private static final Logger NETTY_BOOTSTRAP =
      Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

  static {
    quietLibraries();
  }

  private static volatile EventLoopGroup clientGroup;

  private PluginChannels() {}

  /**
   * Silences what libraries print on every start or connection and a plugin's user cannot act on:
   * netty's SO_KEEPALIVE warning on Unix sockets (grpc-java#10408) and SLF4J's notice that no
   * logging provider is on the class path. Real warnings and errors still show.
   */
  public static void quietLibraries() {
    NETTY_BOOTSTRAP.setLevel(Level.SEVERE);
    if (System.getProperty("slf4j.internal.verbosity") == null) {
      System.setProperty("slf4j.internal.verbosity", "ERROR");
    }
  }

  /**
   * Returns a channel to the plugin a handshake describes.
   *
   * @param handshake the plugin's handshake
   * @param client the host's identity for mTLS, or {@code null} for a plaintext channel
   * @throws IllegalArgumentException if the handshake's certificate is unreadable, or mTLS was
   *     asked for and the plugin sent no certificate
   */
  public static ManagedChannel open(Handshake handshake, PluginTls.Identity client) {
    ChannelCredentials credentials;
    if (client == null) {
      credentials = InsecureChannelCredentials.create();
    } else {
      String cert =
          handshake
              .certificate()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "the plugin sent no certificate although the host asked for mutual TLS"
                              + " (handshake field 6)"));
      credentials = PluginTls.channelCredentials(client, PluginTls.fromBase64(cert));
    }
    NettyChannelBuilder builder;
    if (handshake.network().equals("unix")) {
      builder =
          NettyChannelBuilder.forAddress(new DomainSocketAddress(handshake.address()), credentials)
              .eventLoopGroup(clientGroup())
              .channelType(EpollDomainSocketChannel.class);
    } else {
      int colon = handshake.address().lastIndexOf(':');
      builder =
          NettyChannelBuilder.forAddress(
              handshake.address().substring(0, colon),
              Integer.parseInt(handshake.address().substring(colon + 1)),
              credentials);
    }
    // TLS checks the name against the certificate; over a socket path there is none.
    return builder.overrideAuthority("localhost").directExecutor().build();
  }

  private static EventLoopGroup clientGroup() {
    EventLoopGroup group = clientGroup;
    if (group == null) {
      synchronized (PluginChannels.class) {
        group = clientGroup;
        if (group == null) {
          ThreadFactory daemon =
              r -> {
                Thread t = new Thread(r, "machinehost-plugin-channel");
                t.setDaemon(true);
                return t;
              };
          group = new MultiThreadIoEventLoopGroup(1, daemon, EpollIoHandler.newFactory());
          clientGroup = group;
        }
      }
    }
    return group;
  }
}
