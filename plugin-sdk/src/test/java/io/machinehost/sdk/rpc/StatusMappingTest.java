package io.machinehost.sdk.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.FakeDriver;
import io.machinehost.sdk.FakeDriverAccess;
import io.machinehost.sdk.testing.DriverHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

@Isolated
class StatusMappingTest {
  @AfterEach
  void reset() {
    FakeDriverAccess.fail(null);
  }

  @ParameterizedTest
  @EnumSource(DriverException.Code.class)
  void getState_driverThrowsCode_clientSeesSameCodeAndMessage(DriverException.Code code) {
    try (DriverHarness harness = new DriverHarness(FakeDriver::new)) {
      FakeDriverAccess.fail(new DriverException(code, "boom " + code, "fake-size", null));

      DriverException e =
          catchThrowableOfType(DriverException.class, () -> harness.machine("m1").getState());

      assertThat(e.code()).isEqualTo(code);
      assertThat(e.getMessage()).isEqualTo("boom " + code);
      assertThat(e.flag()).contains("fake-size");
    }
  }

  @ParameterizedTest
  @EnumSource(DriverException.Code.class)
  void toStatus_eachCode_carriesItsGrpcCode(DriverException.Code code) {
    StatusRuntimeException status = StatusMapping.toStatus(new DriverException(code, "m"));

    assertThat(status.getStatus().getCode()).isEqualTo(StatusMapping.grpcCode(code));
    assertThat(StatusMapping.fromThrowable(status, "p").code()).isEqualTo(code);
  }

  @Test
  void fromThrowable_plainUnavailable_namesThePlugin() {
    DriverException e =
        StatusMapping.fromThrowable(
            Status.UNAVAILABLE.withDescription("Connection closed").asRuntimeException(), "none");

    assertThat(e.code()).isEqualTo(DriverException.Code.UNAVAILABLE);
    assertThat(e.getMessage()).contains("plugin \"none\"").contains("Connection closed");
  }

  @Test
  void fromThrowable_plainCodesWithoutErrorInfo_fallBackToGrpcCode() {
    assertThat(StatusMapping.fromThrowable(Status.UNIMPLEMENTED.asRuntimeException(), "p").code())
        .isEqualTo(DriverException.Code.NOT_SUPPORTED);
    assertThat(StatusMapping.fromThrowable(Status.UNAUTHENTICATED.asRuntimeException(), "p").code())
        .isEqualTo(DriverException.Code.PERMISSION_DENIED);
    assertThat(StatusMapping.fromThrowable(Status.DATA_LOSS.asRuntimeException(), "p").code())
        .isEqualTo(DriverException.Code.INTERNAL);
  }
}
