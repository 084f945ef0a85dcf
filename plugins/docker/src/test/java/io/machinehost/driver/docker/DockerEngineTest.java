package io.machinehost.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.exception.BadRequestException;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.UnauthorizedException;
import io.machinehost.sdk.DriverException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CancellationException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class DockerEngineTest {
  private static final String SOCKET = "unix:///nowhere/docker.sock";

  private final DockerEngine engine = DockerEngine.at(new EngineAddress(SOCKET, false, ""));

  private DriverException translate(RuntimeException e) {
    return engine.translate("inspect container machinehost-dev", e);
  }

  @Test
  void translate_noSocket_unavailableNamingTheAddressAndTheNextStep() {
    DriverException e =
        translate(new RuntimeException(new SocketException("No such file or directory")));

    assertThat(e.code()).isEqualTo(DriverException.Code.UNAVAILABLE);
    assertThat(e.getMessage())
        .contains(SOCKET)
        .contains("No such file or directory")
        .contains("make testbed")
        .contains("--docker-host");
  }

  @Test
  void translate_connectionRefused_unavailable() {
    DriverException e = translate(new RuntimeException(new ConnectException("Connection refused")));

    assertThat(e.code()).isEqualTo(DriverException.Code.UNAVAILABLE);
  }

  @Test
  void translate_engineErrors_codesWithTheEnginesOwnMessage() {
    String body = "Status %d: {\"message\":\"No such container: machinehost-dev\"}\n";

    DriverException notFound = translate(new NotFoundException(String.format(body, 404)));
    DriverException conflict = translate(new ConflictException(String.format(body, 409)));
    DriverException server = translate(new InternalServerErrorException(String.format(body, 500)));
    DriverException denied = translate(new UnauthorizedException(String.format(body, 401)));

    assertThat(notFound.code()).isEqualTo(DriverException.Code.NOT_FOUND);
    assertThat(notFound.getMessage())
        .isEqualTo("inspect container machinehost-dev: No such container: machinehost-dev");
    assertThat(conflict.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION);
    assertThat(server.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION);
    assertThat(server.getMessage()).contains(SOCKET).doesNotContain("Status 500");
    assertThat(denied.code()).isEqualTo(DriverException.Code.PERMISSION_DENIED);
  }

  @Test
  void translate_plainHttpToTlsEngine_invalidArgumentNamingTlsVerify() {
    DriverException e =
        translate(
            new BadRequestException(
                "Status 400: Client sent an HTTP request to an HTTPS server.\n"));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains(DockerFlags.TLS_VERIFY);
  }

  @Test
  void translate_tlsFailure_permissionDeniedNamingCertPath() {
    DriverException e =
        translate(new RuntimeException(new SSLHandshakeException("bad certificate")));

    assertThat(e.code()).isEqualTo(DriverException.Code.PERMISSION_DENIED);
    assertThat(e.getMessage()).contains("--docker-cert-path");
  }

  @Test
  void translate_interruptedOrTimedOut_cancelledOrTimeout() {
    assertThat(translate(new CancellationException()).code())
        .isEqualTo(DriverException.Code.CANCELLED);
    assertThat(translate(new RuntimeException(new SocketTimeoutException("Read timed out"))).code())
        .isEqualTo(DriverException.Code.TIMEOUT);
  }

  @Test
  void translate_somethingElse_internal() {
    assertThat(translate(new IllegalStateException("bug")).code())
        .isEqualTo(DriverException.Code.INTERNAL);
  }

  @Test
  void at_sameAddress_sameEngine() {
    assertThat(DockerEngine.at(new EngineAddress(SOCKET, false, ""))).isSameAs(engine);
  }
}
