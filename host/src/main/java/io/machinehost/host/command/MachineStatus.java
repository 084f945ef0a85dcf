package io.machinehost.host.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One row of {@code machine ls}, with docker-machine's field names for {@code --format}.
 *
 * @param name the machine's name
 * @param active {@code *} when {@code DOCKER_HOST} points at it, else {@code -}
 * @param driverName its driver
 * @param state its state as the driver reports it, or Timeout / Error
 * @param url its Docker URL, when running
 * @param dockerVersion its engine's version, when known
 * @param error why a value is missing
 * @param responseTime how long the driver took to answer, in milliseconds
 */
@JsonPropertyOrder({
  "Name",
  "Active",
  "DriverName",
  "State",
  "URL",
  "DockerVersion",
  "Error",
  "ResponseTime"
})
public record MachineStatus(
    @JsonProperty("Name") String name,
    @JsonProperty("Active") String active,
    @JsonProperty("DriverName") String driverName,
    @JsonProperty("State") String state,
    @JsonProperty("URL") String url,
    @JsonProperty("DockerVersion") String dockerVersion,
    @JsonProperty("Error") String error,
    @JsonProperty("ResponseTime") long responseTime) {

  /** This row with the one-line error of a machine whose driver plugin died under it. */
  MachineStatus crashed() {
    return new MachineStatus(
        name,
        active,
        driverName,
        state,
        url,
        dockerVersion,
        "driver plugin exited unexpectedly",
        responseTime);
  }

  /** The column header of each field, as {@code table} templates print them. */
  static String header(String field) {
    return switch (field) {
      case "Name" -> "NAME";
      case "Active" -> "ACTIVE";
      case "DriverName" -> "DRIVER";
      case "State" -> "STATE";
      case "URL" -> "URL";
      case "DockerVersion" -> "DOCKER";
      case "Error" -> "ERRORS";
      case "ResponseTime" -> "RESPONSE";
      default -> field.toUpperCase(java.util.Locale.ROOT);
    };
  }
}
