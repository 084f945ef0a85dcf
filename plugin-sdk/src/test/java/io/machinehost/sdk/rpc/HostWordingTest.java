package io.machinehost.sdk.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.FakeDriver;
import io.machinehost.sdk.FakeDriverAccess;
import io.machinehost.sdk.LongOperation;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.testing.DriverHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * What the host's client makes of driver errors: the protocol document's words for a machine that
 * is not running or gone, the reason read whatever the code, and long operations cut off at their
 * deadline.
 */
@Isolated
class HostWordingTest {
  private static final Path DOCUMENT = Path.of("..", "proto", "README.md");

  @AfterEach
  void reset() {
    FakeDriverAccess.reset();
  }

  @Test
  void getIp_failedPrecondition_isWordedAsTheDocumentSays() throws Exception {
    try (DriverHarness harness = new DriverHarness(FakeDriver::new)) {
      DriverException e =
          catchThrowableOfType(DriverException.class, () -> harness.machine("m1").getIp());

      assertThat(e.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION);
      assertThat(e.getMessage())
          .isEqualTo(
              "machine \"m1\" is not running (the harness driver says: IP address is not set); start"
                  + " it with \"machine start m1\"")
          .isEqualTo(StatusMapping.notRunning("m1", "harness", "IP address is not set"));
      assertThat(Files.readString(DOCUMENT))
          .contains(StatusMapping.notRunning("NAME", "DRIVER", "MESSAGE"));
    }
  }

  @Test
  void start_notFound_isWordedAsTheDocumentSays_withTheRmHint() throws Exception {
    try (DriverHarness harness = new DriverHarness(FakeDriver::new)) {
      DriverException e =
          catchThrowableOfType(
              DriverException.class, () -> harness.machine("m1").start(Operation.none()));

      assertThat(e.code()).isEqualTo(DriverException.Code.NOT_FOUND);
      assertThat(e.getMessage())
          .isEqualTo(
              "machine \"m1\" no longer exists at its provider (the harness driver says: machine m1"
                  + " does not exist); if it was removed outside machine, remove it here too with"
                  + " \"machine rm m1\"");
      assertThat(Files.readString(DOCUMENT))
          .contains(StatusMapping.notFound("NAME", "DRIVER", "MESSAGE"));
    }
  }

  @Test
  void notFound_whoseMessageSuggestsRmAlready_isLeftAsIs() {
    try (DriverHarness harness = new DriverHarness(FakeDriver::new)) {
      FakeDriverAccess.fail(DriverException.notFound("gone; run \"machine rm m1\""));

      DriverException e =
          catchThrowableOfType(
              DriverException.class, () -> harness.machine("m1").stop(Operation.none()));

      assertThat(e.getMessage()).isEqualTo("gone; run \"machine rm m1\"");
    }
  }

  @Test
  void fromThrowable_detailsCodeDiffersFromTheCallsCode_theReasonDecides() {
    Metadata trailers = new Metadata();
    trailers.put(
        Metadata.Key.of(
            "grpc-status-details-bin",
            ProtoUtils.metadataMarshaller(com.google.rpc.Status.getDefaultInstance())),
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.FAILED_PRECONDITION.value())
            .setMessage("not running")
            .addDetails(
                Any.pack(
                    ErrorInfo.newBuilder()
                        .setReason("NOT_FOUND")
                        .setDomain(StatusMapping.DOMAIN)
                        .build()))
            .build());
    StatusRuntimeException thrown =
        Status.INTERNAL.withDescription("not running").asRuntimeException(trailers);

    DriverException e = StatusMapping.fromThrowable(thrown, "p");

    assertThat(e.code()).isEqualTo(DriverException.Code.NOT_FOUND);
    assertThat(StatusMapping.describe(thrown, e))
        .isEqualTo(
            "gRPC status INTERNAL \"not running\"; ErrorInfo reason \"NOT_FOUND\" domain"
                + " \"driver.machinehost.io\" -> NOT_FOUND");
  }

  @Test
  void describe_foreignDomain_saysItIsIgnored() {
    StatusRuntimeException thrown =
        io.grpc.protobuf.StatusProto.toStatusRuntimeException(
            com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.UNAVAILABLE.value())
                .setMessage("busy")
                .addDetails(
                    Any.pack(
                        ErrorInfo.newBuilder().setReason("QUOTA").setDomain("example.com").build()))
                .build());

    DriverException e = StatusMapping.fromThrowable(thrown, "p");

    assertThat(StatusMapping.describe(thrown, e))
        .contains("ErrorInfo reason \"QUOTA\" domain \"example.com\"")
        .contains("(not the domain driver.machinehost.io: ignored)")
        .endsWith("-> UNAVAILABLE");
  }

  @Test
  void failedCall_withTrace_tracesWhatCame() {
    try (DriverHarness harness = new DriverHarness(FakeDriver::new)) {
      List<String> lines = new ArrayList<>();
      GrpcDriverClient client = harness.machine("m1");
      client.setTrace(lines::add);

      DriverException e = catchThrowableOfType(DriverException.class, client::getIp);

      assertThat(e.code()).isEqualTo(DriverException.Code.FAILED_PRECONDITION);
      assertThat(lines)
          .containsExactly(
              "debug: GetIp of machine \"m1\" answered gRPC status FAILED_PRECONDITION \"IP"
                  + " address is not set\"; ErrorInfo reason \"FAILED_PRECONDITION\" domain"
                  + " \"driver.machinehost.io\" -> FAILED_PRECONDITION");
    }
  }

  @Test
  void create_pastItsDeadline_isCutOffNamingDriverCallMachineAndAdvice() throws Exception {
    FakeDriverAccess.gateCreate(new CountDownLatch(1));
    try (DriverHarness harness = new DriverHarness(FakeDriver::new)) {
      GrpcDriverClient client = harness.machine("m1");
      client.setOperationDeadlines(
          new OperationDeadlines() {
            @Override
            public Duration of(LongOperation operation) {
              return operation == LongOperation.CREATE ? Duration.ofMillis(300) : Duration.ZERO;
            }

            @Override
            public String advice(LongOperation operation) {
              return "set X to wait longer";
            }
          });

      DriverException e =
          catchThrowableOfType(DriverException.class, () -> client.create(Operation.none()));

      assertThat(e.code()).isEqualTo(DriverException.Code.TIMEOUT);
      assertThat(e.getMessage())
          .isEqualTo(
              "the harness driver did not finish Create of machine \"m1\" within 300 ms: the call was"
                  + " cut off and the driver told to cancel it; set X to wait longer");
      // The driver saw a cancellation and cleaned up (awaited, so that it ends inside this test).
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!FakeDriverAccess.cleaned().contains("m1") && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(FakeDriverAccess.cleaned()).containsExactly("m1");
    }
  }

  @Test
  void pluginInfo_declaredTimeouts_travelAsWholeSeconds() throws Exception {
    var wire =
        ProtoMapping.toProto(
            Map.of(
                LongOperation.REMOVE, Duration.ofMillis(1500), LongOperation.STOP, Duration.ZERO));

    assertThat(wire.getRemoveSeconds()).isEqualTo(2);
    assertThat(ProtoMapping.fromProto(wire))
        .containsExactly(Map.entry(LongOperation.REMOVE, Duration.ofSeconds(2)));
  }
}
