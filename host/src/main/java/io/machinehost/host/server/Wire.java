package io.machinehost.host.server;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the {@code machine} front end and the warm command server say to each other over the
 * server's Unix socket, and where that socket is. Uses {@code java.base} only: the front end loads
 * this class on every run, and a command the server answers must start nothing heavier.
 *
 * <p>The front end sends one request: {@link #MAGIC}, the executable's identity, the working
 * directory, the user's home, whether a terminal is attached, the arguments and the environment.
 * The server answers with frames, each a kind byte: {@link #STDOUT} or {@link #STDERR} and a
 * length-prefixed chunk, {@link #SERVER} and its PID (first, once), {@link #ACCEPTED} once it runs
 * the command (from then on the command is the server's: the front end never runs it again,
 * whatever happens), {@link #EXIT} with the exit code and the nanoseconds the command took in the
 * server (last), or, before {@link #ACCEPTED}, {@link #REFUSED} and a reason, after which the front
 * end runs the command itself. After its request the front end sends only {@link #INTERRUPT} bytes
 * (Ctrl-C); its end of the socket closing interrupts the command too.
 *
 * <p>The native front end (src/main/c/machine.c) speaks the same protocol: a change here is a
 * change there, with a new {@link #MAGIC}.
 */
final class Wire {
  static final int MAGIC = 0x4d484333; // "MHC3"
  static final byte SERVER = 'p';
  static final byte ACCEPTED = 'a';
  static final byte INTERRUPT = 'i';
  static final byte STDOUT = 'o';
  static final byte STDERR = 'e';
  static final byte EXIT = 'x';
  static final byte REFUSED = 'r';

  /** The hidden first argument that makes {@code machine} a command server. */
  static final String SERVE = "__command-server";

  private static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(
          PosixFilePermission.OWNER_READ,
          PosixFilePermission.OWNER_WRITE,
          PosixFilePermission.OWNER_EXECUTE);

  private Wire() {}

  /** One command for the server. */
  record Request(
      String identity,
      String workingDir,
      String home,
      boolean interactive,
      List<String> args,
      Map<String, String> env) {

    void write(DataOutputStream out) throws IOException {
      out.writeInt(MAGIC);
      writeString(out, identity);
      writeString(out, workingDir);
      writeString(out, home);
      out.writeBoolean(interactive);
      out.writeInt(args.size());
      for (String arg : args) {
        writeString(out, arg);
      }
      out.writeInt(env.size());
      for (Map.Entry<String, String> e : env.entrySet()) {
        writeString(out, e.getKey());
        writeString(out, e.getValue());
      }
      out.flush();
    }

    static Request read(DataInputStream in) throws IOException {
      if (in.readInt() != MAGIC) {
        throw new IOException("not a machine command request");
      }
      String identity = readString(in);
      String workingDir = readString(in);
      String home = readString(in);
      boolean interactive = in.readBoolean();
      int argc = count(in);
      String[] args = new String[argc];
      for (int i = 0; i < argc; i++) {
        args[i] = readString(in);
      }
      int envc = count(in);
      Map<String, String> env = new LinkedHashMap<>();
      for (int i = 0; i < envc; i++) {
        env.put(readString(in), readString(in));
      }
      return new Request(identity, workingDir, home, interactive, List.of(args), env);
    }
  }

  /**
   * Streams over a socket channel that read and write through the channel itself, so one thread may
   * block reading while another writes ({@code Channels.newInputStream} serialises them on JDK 17).
   */
  static DataInputStream input(SocketChannel channel) {
    InputStream raw =
        new InputStream() {
          @Override
          public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
              return 0;
            }
            return channel.read(ByteBuffer.wrap(b, off, len));
          }
        };
    return new DataInputStream(new BufferedInputStream(raw, 8192));
  }

  /** See {@link #input}; flush to send. */
  static DataOutputStream output(SocketChannel channel) {
    OutputStream raw =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
            while (buffer.hasRemaining()) {
              channel.write(buffer);
            }
          }
        };
    return new DataOutputStream(new BufferedOutputStream(raw, 8192));
  }

  static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  static String readString(DataInputStream in) throws IOException {
    return new String(readChunk(in), StandardCharsets.UTF_8);
  }

  static byte[] readChunk(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > 16 << 20) {
      throw new IOException("bad frame length " + length);
    }
    return in.readNBytes(length);
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 16) {
      throw new IOException("bad count " + n);
    }
    return n;
  }

  /**
   * The executable's identity: its path, size and modification time, and the Java that runs it. A
   * server answers only requests of its own identity, so a rebuilt executable or another Java never
   * gets a stale server.
   */
  @SuppressWarnings("UnnecessaryStringBuilder") // see below
  static String identity(Path launcher) throws IOException {
    var attributes = Files.readAttributes(launcher, PosixFileAttributes.class);
    // StringBuilder, not +: string concatenation bootstraps method handles, ~15 ms at start-up.
    return new StringBuilder()
        .append(launcher.toAbsolutePath())
        .append('\n')
        .append(attributes.size())
        .append('\n')
        .append(attributes.lastModifiedTime().toMillis())
        .append('\n')
        .append(System.getProperty("java.home"))
        .toString();
  }

  /**
   * The directory of command-server sockets: {@code $XDG_RUNTIME_DIR/machinehost/commands}, else a
   * per-user directory under the temp directory (the plugin registry's parent).
   */
  static Path socketDir(Map<String, String> env) {
    String runtime = env.get("XDG_RUNTIME_DIR");
    Path base =
        runtime != null && !runtime.isBlank()
            ? Path.of(runtime, "machinehost")
            : Path.of(
                System.getProperty("java.io.tmpdir"),
                "machinehost-".concat(System.getProperty("user.name")));
    return base.resolve("commands");
  }

  /** The socket of the server for an identity: a 64-bit FNV-1a hash of it names the file. */
  @SuppressWarnings("UnnecessaryStringBuilder") // as in identity()
  static Path socket(Path dir, String identity) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : identity.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    String hex = Long.toHexString(hash);
    return dir.resolve(
        new StringBuilder("cmd-")
            .append("0".repeat(16 - hex.length()))
            .append(hex)
            .append(".sock")
            .toString());
  }

  /**
   * Returns whether a path is this user's own and closed to everyone else: a directory that is
   * {@code rwx------}, or a file with no group or other bits. A socket anyone else could have made
   * or opened is never used (it could hand a stranger the command's environment).
   */
  static boolean privateToMe(Path path) {
    try {
      PosixFileAttributes a =
          Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!a.owner().getName().equals(System.getProperty("user.name"))) {
        return false;
      }
      if (a.isDirectory()) {
        return a.permissions().equals(OWNER_ONLY);
      }
      return OWNER_ONLY.containsAll(a.permissions());
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
