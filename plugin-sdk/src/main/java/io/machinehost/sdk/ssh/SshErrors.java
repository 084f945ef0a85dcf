package io.machinehost.sdk.ssh;

import io.machinehost.sdk.DriverException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import net.schmizz.sshj.common.DisconnectReason;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.userauth.UserAuthException;

/** Turns SSH failures into {@link DriverException}s that name the target and the next step. */
final class SshErrors {
  private SshErrors() {}

  /** Whether a failure is the caller's cancellation. */
  static boolean isCancellation(Throwable e) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InterruptedException
          || (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Translates a failure to connect and log in.
   *
   * @param pins the host key verifier used, or {@code null}
   */
  static DriverException connecting(
      SshTarget target, IOException e, PinnedHostKeys pins, int timeoutMillis) {
    DriverException result;
    Throwable lost = e instanceof UserAuthException ? lostDuringLogin(e) : null;
    if (isCancellation(e)) {
      result = DriverException.cancelled("connecting to SSH at %s was cancelled", target);
    } else if (e instanceof TransportException te
        && te.getDisconnectReason() == DisconnectReason.HOST_KEY_NOT_VERIFIABLE
        && pins != null
        && pins.refusal() != null) {
      result = DriverException.failedPrecondition("SSH to %s refused: %s", target, pins.refusal());
    } else if (lost != null) {
      // sshj reports a transport failure or a timeout while logging in as a UserAuthException
      // wrapping it: that is an unready or overloaded server, not a refused key.
      result =
          lost instanceof TimeoutException
              ? DriverException.unavailable(
                  "SSH at %s did not finish logging in within %d ms; is the machine overloaded or"
                      + " still starting?",
                  target.address(), timeoutMillis)
              : DriverException.unavailable(
                  "SSH at %s closed the connection while logging in (%s); sshd may not be ready"
                      + " yet",
                  target.address(), message(lost));
    } else if (e instanceof UserAuthException) {
      result =
          DriverException.permissionDenied(
              "SSH at %s refused %s; check that the matching public key is in ~%s/.ssh/"
                  + "authorized_keys on the machine",
              target,
              target
                  .privateKeyIfAny()
                  .map(k -> "the key " + k)
                  .orElse("the default keys of ~/.ssh (no key was given)"),
              target.user());
    } else if (e instanceof ConnectException) {
      result =
          DriverException.unavailable(
              "cannot connect to SSH at %s: connection refused; is the machine running and sshd"
                  + " listening on port %d?",
              target.address(), target.port());
    } else if (e instanceof SocketTimeoutException) {
      result =
          DriverException.unavailable(
              "SSH at %s did not answer within %d ms; is the machine running and reachable?",
              target.address(), timeoutMillis);
    } else if (e instanceof UnknownHostException) {
      result = DriverException.unavailable("cannot resolve the SSH host \"%s\"", target.host());
    } else if (e instanceof NoRouteToHostException) {
      result = DriverException.unavailable("no route to the SSH host %s", target.address());
    } else if (e instanceof TransportException || e instanceof ConnectionException) {
      result =
          DriverException.unavailable(
              "SSH at %s failed during the handshake (%s); sshd may not be ready yet",
              target.address(), message(e));
    } else {
      result = DriverException.unavailable("cannot connect to SSH at %s: %s", target, message(e));
    }
    return result.withCause(e);
  }

  /**
   * Returns the transport failure or timeout under a login failure, or {@code null} when the server
   * answered and refused.
   */
  static Throwable lostDuringLogin(IOException e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof TimeoutException
          || (t instanceof IOException && !(t instanceof UserAuthException))) {
        return t;
      }
    }
    return null;
  }

  /** Translates a failure after login: the connection was lost or the call interrupted. */
  static DriverException during(SshTarget target, String what, IOException e) {
    if (isCancellation(e)) {
      return DriverException.cancelled("%s on %s was cancelled", what, target).withCause(e);
    }
    return DriverException.unavailable(
            "the SSH connection to %s was lost during %s: %s", target, what, message(e))
        .withCause(e);
  }

  static String message(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
