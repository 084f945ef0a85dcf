package io.machinehost.driver.amazonec2;

import static org.assertj.core.api.Assertions.assertThat;

import io.machinehost.sdk.DriverException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

class Ec2ErrorsTest {
  private static AwsServiceException ec2(int status, String code) {
    return AwsServiceException.builder()
        .statusCode(status)
        .awsErrorDetails(
            AwsErrorDetails.builder().errorCode(code).errorMessage("EC2 says " + code).build())
        .build();
  }

  @ParameterizedTest
  @CsvSource({
    "401, AuthFailure, PERMISSION_DENIED",
    "403, SignatureDoesNotMatch, PERMISSION_DENIED",
    "403, UnauthorizedOperation, PERMISSION_DENIED",
    "400, InvalidInstanceID.NotFound, NOT_FOUND",
    "400, InvalidKeyPair.Duplicate, ALREADY_EXISTS",
    "400, InstanceLimitExceeded, RESOURCE_EXHAUSTED",
    "500, InsufficientInstanceCapacity, RESOURCE_EXHAUSTED",
    "503, RequestLimitExceeded, UNAVAILABLE",
    "500, InternalError, UNAVAILABLE",
    "400, DependencyViolation, FAILED_PRECONDITION",
    "400, IncorrectInstanceState, FAILED_PRECONDITION",
    "400, InvalidParameterValue, INVALID_ARGUMENT",
    "400, SomethingElse, FAILED_PRECONDITION"
  })
  void translate_ec2Code_driverCode(int status, String code, DriverException.Code expected) {
    DriverException e =
        Ec2Errors.translate("run the instance", "region us-east-1", ec2(status, code));

    assertThat(e.code()).isEqualTo(expected);
    assertThat(e.getMessage()).contains("run the instance", code, "EC2 says " + code);
  }

  @Test
  void translate_badCredentials_namesTheFlags() {
    DriverException e =
        Ec2Errors.translate("list the zones", "http://127.0.0.1:1", ec2(401, "AuthFailure"));

    assertThat(e.getMessage())
        .contains("http://127.0.0.1:1", "--amazonec2-access-key", "--amazonec2-secret-key");
  }

  @Test
  void translate_401WithoutCode_badCredentials() {
    DriverException e = Ec2Errors.translate("list the zones", "region x", ec2(401, ""));

    assertThat(e.code()).isEqualTo(DriverException.Code.PERMISSION_DENIED);
    assertThat(e.getMessage()).contains("refused the credentials", "--amazonec2-secret-key");
  }

  @Test
  void translate_transientAfterRetries_namesTheRetriesFlag() {
    DriverException e = Ec2Errors.translate("stop", "region x", ec2(503, "Unavailable"));

    assertThat(e.getMessage()).contains("--amazonec2-retries");
  }

  @Test
  void translate_noCredentials_permissionDeniedSayingWhereToGiveThem() {
    DriverException e =
        Ec2Errors.translate(
            "list the zones",
            "region us-east-1",
            SdkClientException.create("Unable to load credentials from any of the providers"));

    assertThat(e.code()).isEqualTo(DriverException.Code.PERMISSION_DENIED);
    assertThat(e.getMessage()).contains("AWS_ACCESS_KEY_ID", "~/.aws/credentials");
  }

  @Test
  void translate_unreachable_unavailableNamingTheEndpointFlag() {
    DriverException e =
        Ec2Errors.translate(
            "list the zones",
            "http://127.0.0.1:9",
            SdkClientException.create("Connection refused"));

    assertThat(e.code()).isEqualTo(DriverException.Code.UNAVAILABLE);
    assertThat(e.getMessage()).contains("http://127.0.0.1:9", "--amazonec2-endpoint");
  }

  @Test
  void isNotFound_notFoundCodesOnly() {
    assertThat(Ec2Errors.isNotFound(ec2(400, "InvalidGroup.NotFound"))).isTrue();
    assertThat(Ec2Errors.isNotFound(ec2(400, "InvalidGroup.Duplicate"))).isFalse();
  }
}
