package io.machinehost.driver.none;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.machinehost.sdk.BaseDriver;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Set;

/**
 * Docker Machine's none driver: a Docker host that exists already, known by its URL. It creates and
 * removes nothing and cannot start or stop anything; it is always Running.
 */
public final class NoneDriver extends BaseDriver {
  static final String URL_FLAG = "url";

  /** The longest URL taken: browsers' common limit, far above any Docker host's. */
  static final int MAX_URL_LENGTH = 2048;

  /** The longest host name DNS allows. */
  static final int MAX_HOST_LENGTH = 253;

  @JsonProperty("URL")
  private String url = "";

  /** Creates the driver for a machine. */
  public NoneDriver(String machineName, String storePath) {
    super(machineName, storePath);
  }

  @Override
  public String driverName() {
    return "none";
  }

  @Override
  public String description() {
    return "An existing Docker host, known by its URL";
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of();
  }

  @Override
  public List<CreateFlag> getCreateFlags() {
    return List.of(
        CreateFlag.string(URL_FLAG)
            .usage("URL of host when no driver is selected")
            .envVar("NONE_URL")
            .required()
            .build());
  }

  @Override
  public void setConfigFromFlags(DriverOptions options) throws DriverException {
    String given = options.getString(URL_FLAG);
    if (given.isEmpty()) {
      throw DriverException.invalidArgument(
          URL_FLAG, "--url option is required when no driver is selected");
    }
    if (given.length() > MAX_URL_LENGTH) {
      throw DriverException.invalidArgument(
          URL_FLAG,
          "--url has %d characters; a URL has at most %d",
          given.length(),
          MAX_URL_LENGTH);
    }
    URI uri;
    try {
      uri = new URI(given);
    } catch (URISyntaxException e) {
      throw DriverException.invalidArgument(
          URL_FLAG, "--url \"%s\" is not a URL: %s", given, e.getReason());
    }
    if (uri.getScheme() == null || uri.getHost() == null) {
      throw DriverException.invalidArgument(
          URL_FLAG, "--url \"%s\" needs a scheme and a host, e.g. tcp://192.0.2.10:2376", given);
    }
    if (uri.getHost().length() > MAX_HOST_LENGTH) {
      throw DriverException.invalidArgument(
          URL_FLAG,
          "the host in --url has %d characters; a host name has at most %d",
          uri.getHost().length(),
          MAX_HOST_LENGTH);
    }
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      throw DriverException.invalidArgument(
          URL_FLAG, "--url \"%s\" has port %d; a port is from 1 to 65535", given, uri.getPort());
    }
    url = given;
    ipAddress = uri.getHost();
  }

  @Override
  public void create(Operation operation) {
    operation.progress("create", "Nothing to create: the none driver uses the host at " + url);
  }

  @Override
  public void remove(Operation operation) {}

  @Override
  public void start(Operation operation) throws DriverException {
    throw DriverException.notSupported("hosts without a driver cannot be started");
  }

  @Override
  public void stop(Operation operation) throws DriverException {
    throw DriverException.notSupported("hosts without a driver cannot be stopped");
  }

  @Override
  public void kill(Operation operation) throws DriverException {
    throw DriverException.notSupported("hosts without a driver cannot be killed");
  }

  @Override
  public void restart(Operation operation) throws DriverException {
    throw DriverException.notSupported("hosts without a driver cannot be restarted");
  }

  @Override
  public MachineState getState() {
    return MachineState.RUNNING;
  }

  @Override
  public String getUrl() {
    return url;
  }

  @Override
  public String getSshHostname() throws DriverException {
    throw DriverException.notSupported("hosts without a driver have no SSH");
  }

  @Override
  public int getSshPort() throws DriverException {
    throw DriverException.notSupported("hosts without a driver have no SSH");
  }
}
