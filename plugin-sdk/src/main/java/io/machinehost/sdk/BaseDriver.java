package io.machinehost.sdk;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Docker Machine's {@code drivers.BaseDriver}: the fields every driver has and their defaults.
 *
 * <p>A driver's config is its non-transient fields, BaseDriver's included, written as JSON with
 * Docker Machine's key names ({@code IPAddress}, {@code SSHUser} …). Subclasses add fields; mark
 * secrets with {@link Secret} and fields that must not be persisted {@code transient}.
 */
public abstract class BaseDriver implements Driver {
  /** Docker Machine's default SSH user. */
  public static final String DEFAULT_SSH_USER = "root";

  /** Docker Machine's default SSH port. */
  public static final int DEFAULT_SSH_PORT = 22;

  /** The machine's IP address or host name, set by create; empty until then. */
  @JsonProperty("IPAddress")
  protected String ipAddress = "";

  /** The machine's name; restored by the SDK on every call, never from the config. */
  @JsonProperty("MachineName")
  protected String machineName;

  /** The SSH user; empty means {@value #DEFAULT_SSH_USER}. */
  @JsonProperty("SSHUser")
  protected String sshUser = "";

  /** The SSH port; 0 means {@value #DEFAULT_SSH_PORT}. */
  @JsonProperty("SSHPort")
  protected int sshPort;

  /** The SSH private key's path; empty means {@code <store>/machines/<name>/id_rsa}. */
  @JsonProperty("SSHKeyPath")
  protected String sshKeyPath = "";

  /** The absolute store root; restored by the SDK on every call, never from the config. */
  @JsonProperty("StorePath")
  protected String storePath;

  /**
   * Creates a driver for a machine.
   *
   * @param machineName the machine's name
   * @param storePath the absolute store root
   */
  protected BaseDriver(String machineName, String storePath) {
    this.machineName = machineName == null ? "" : machineName;
    this.storePath = storePath == null ? "" : storePath;
  }

  /** Returns Docker Machine's "unknown"; drivers override it with their name. */
  @Override
  public String driverName() throws DriverException {
    return "unknown";
  }

  /** Does nothing: nothing to check by default. */
  @Override
  public void preCreateCheck() throws DriverException {}

  @Override
  public String getMachineName() {
    return machineName;
  }

  /**
   * Returns the IP address set by create.
   *
   * @throws DriverException {@link DriverException.Code#FAILED_PRECONDITION} "IP address is not
   *     set"
   */
  @Override
  public String getIp() throws DriverException {
    if (ipAddress == null || ipAddress.isEmpty()) {
      throw DriverException.failedPrecondition("IP address is not set");
    }
    return ipAddress;
  }

  /** Returns {@link #getIp()}. */
  @Override
  public String getSshHostname() throws DriverException {
    return getIp();
  }

  /** Returns the SSH port, {@value #DEFAULT_SSH_PORT} unless set. */
  @Override
  public int getSshPort() throws DriverException {
    if (sshPort == 0) {
      sshPort = DEFAULT_SSH_PORT;
    }
    return sshPort;
  }

  /** Returns the SSH user, {@value #DEFAULT_SSH_USER} unless set. */
  @Override
  public String getSshUsername() throws DriverException {
    if (sshUser == null || sshUser.isEmpty()) {
      sshUser = DEFAULT_SSH_USER;
    }
    return sshUser;
  }

  /** Returns the SSH key path, {@code <store>/machines/<name>/id_rsa} unless set. */
  @Override
  public String getSshKeyPath() throws DriverException {
    if (sshKeyPath == null || sshKeyPath.isEmpty()) {
      sshKeyPath = resolveStorePath("id_rsa").toString();
    }
    return sshKeyPath;
  }

  /**
   * Returns the path of a file in this machine's directory, where a driver keeps what belongs to
   * the machine (keys, disks, state files).
   *
   * @param file the file's name, e.g. {@code id_rsa}
   * @return {@code <store>/machines/<name>/<file>}
   */
  public Path resolveStorePath(String file) {
    return Path.of(storePath, "machines", machineName, file);
  }

  @Override
  public String getConfigRaw() throws DriverException {
    return DriverConfigCodec.write(this);
  }

  /** Reads the config into this driver's fields; the machine name and store path stay as given. */
  @Override
  public void setConfigRaw(String json) throws DriverException {
    String name = machineName;
    String store = storePath;
    DriverConfigCodec.read(this, json);
    machineName = name;
    storePath = store;
  }

  /** Returns the JSON keys of the fields marked {@link Secret}. */
  @Override
  public Set<String> secretConfigKeys() {
    Set<String> keys = new LinkedHashSet<>();
    for (Class<?> type = getClass(); type != null; type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        if (field.isAnnotationPresent(Secret.class)
            && !Modifier.isTransient(field.getModifiers())) {
          JsonProperty property = field.getAnnotation(JsonProperty.class);
          keys.add(
              property == null || property.value().isEmpty() ? field.getName() : property.value());
        }
      }
    }
    return keys;
  }
}
