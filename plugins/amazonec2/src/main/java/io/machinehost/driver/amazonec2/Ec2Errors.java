package io.machinehost.driver.amazonec2;

import io.machinehost.sdk.DriverException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Turns what the AWS SDK throws into a {@link DriverException} whose code says what to do: fix the
 * credentials, the input, the quota, or try later. Messages name the call, EC2's own code and
 * message, and the flag to look at; they never carry a credential.
 */
final class Ec2Errors {
  private static final Set<String> BAD_CREDENTIALS =
      Set.of(
          "AuthFailure",
          "InvalidClientTokenId",
          "SignatureDoesNotMatch",
          "IncompleteSignature",
          "MissingAuthenticationToken",
          "InvalidAccessKeyId",
          "UnrecognizedClientException",
          "ExpiredToken",
          "RequestExpired");
  private static final Set<String> NOT_ALLOWED =
      Set.of("UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "OptInRequired");
  private static final Set<String> EXHAUSTED =
      Set.of(
          "InstanceLimitExceeded",
          "InsufficientInstanceCapacity",
          "VcpuLimitExceeded",
          "MaxSpotInstanceCountExceeded",
          "InsufficientAddressCapacity",
          "VolumeLimitExceeded",
          "SecurityGroupLimitExceeded",
          "RulesPerSecurityGroupLimitExceeded",
          "KeyPairLimitExceeded");
  private static final Set<String> TRANSIENT =
      Set.of(
          "RequestLimitExceeded",
          "Throttling",
          "ThrottlingException",
          "RequestThrottled",
          "InternalError",
          "InternalFailure",
          "ServiceUnavailable",
          "Unavailable");
  private static final Set<String> WRONG_STATE =
      Set.of(
          "IncorrectInstanceState", "IncorrectState", "DependencyViolation", "InvalidGroup.InUse");

  private Ec2Errors() {}

  /**
   * Translates a failure of one call.
   *
   * @param what the call, as a user reads it, e.g. {@code "run the instance"}
   * @param where the endpoint or region, for the messages
   */
  static DriverException translate(String what, String where, RuntimeException e) {
    if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
      return DriverException.cancelled("EC2 call to %s was interrupted", what).withCause(e);
    }
    if (e instanceof AwsServiceException s) {
      return service(what, where, s);
    }
    if (e instanceof SdkClientException c) {
      String message = String.valueOf(c.getMessage());
      if (message.contains("Unable to load credentials")) {
        return DriverException.permissionDenied(
            "no AWS credentials to %s: give --%s and --%s, set AWS_ACCESS_KEY_ID and"
                + " AWS_SECRET_ACCESS_KEY, or configure a profile in ~/.aws/credentials",
            what, Ec2Flags.ACCESS_KEY, Ec2Flags.SECRET_KEY);
      }
      return DriverException.unavailable(
              "cannot reach EC2 at %s to %s: %s; check --%s and --%s and the network",
              where, what, firstLine(message), Ec2Flags.ENDPOINT, Ec2Flags.REGION)
          .withCause(e);
    }
    return DriverException.internal("EC2 call to %s failed: %s", what, e).withCause(e);
  }

  private static DriverException service(String what, String where, AwsServiceException s) {
    String code = s.awsErrorDetails() == null ? "" : s.awsErrorDetails().errorCode();
    code = code == null ? "" : code;
    String message =
        s.awsErrorDetails() == null || s.awsErrorDetails().errorMessage() == null
            ? firstLine(s.getMessage())
            : s.awsErrorDetails().errorMessage();
    String said = String.format("%s (%s)", message, code.isEmpty() ? s.statusCode() : code);
    DriverException e;
    // An answer whose error EC2's protocol cannot read (no code) still has its status.
    boolean unauthenticated = code.isEmpty() && (s.statusCode() == 401 || s.statusCode() == 403);
    if (BAD_CREDENTIALS.contains(code) || unauthenticated) {
      e =
          DriverException.permissionDenied(
              "EC2 at %s refused the credentials when asked to %s: %s; check --%s and --%s (or"
                  + " AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, --%s and the AWS profile)",
              where, what, said, Ec2Flags.ACCESS_KEY, Ec2Flags.SECRET_KEY, Ec2Flags.SESSION_TOKEN);
    } else if (NOT_ALLOWED.contains(code)) {
      e =
          DriverException.permissionDenied(
              "the AWS credentials may not %s: %s; grant the IAM permission or use other"
                  + " credentials",
              what, said);
    } else if (code.endsWith(".NotFound")) {
      e = DriverException.notFound("EC2 cannot %s: %s", what, said);
    } else if (code.endsWith(".Duplicate")) {
      e = DriverException.alreadyExists("EC2 cannot %s: %s", what, said);
    } else if (EXHAUSTED.contains(code)) {
      e =
          DriverException.resourceExhausted(
              "EC2 cannot %s: %s; raise the quota, or try another instance type or zone",
              what, said);
    } else if (TRANSIENT.contains(code) || s.statusCode() >= 500 || s.isThrottlingException()) {
      e =
          DriverException.unavailable(
              "EC2 at %s did not %s, even after retrying: %s; try again later (--%s sets the"
                  + " retries)",
              where, what, said, Ec2Flags.RETRIES);
    } else if (WRONG_STATE.contains(code)) {
      e = DriverException.failedPrecondition("EC2 cannot %s now: %s", what, said);
    } else if (code.startsWith("Invalid") || code.startsWith("Missing")) {
      e = DriverException.invalidArgument(null, "EC2 cannot %s: %s", what, said);
    } else {
      e = DriverException.failedPrecondition("EC2 cannot %s: %s", what, said);
    }
    return e.withCause(s);
  }

  /** Returns whether EC2 said the thing asked about does not exist. */
  static boolean isNotFound(RuntimeException e) {
    return e instanceof AwsServiceException s
        && s.awsErrorDetails() != null
        && s.awsErrorDetails().errorCode() != null
        && s.awsErrorDetails().errorCode().endsWith(".NotFound");
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
