package io.machinehost.driver.amazonec2;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.machinehost.sdk.BaseDriver;
import io.machinehost.sdk.Capability;
import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.DriverOptions;
import io.machinehost.sdk.MachineState;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Docker Machine's amazonec2 driver: a machine is an EC2 instance, made and driven through the EC2
 * API (the AWS SDK for Java 2), with a key pair and a security group of its own or shared.
 *
 * <p>The config keeps Docker Machine's key names ({@code InstanceId}, {@code SecurityGroupIds} …)
 * and everything a call needs, so one plugin process serves every machine. The secret key and the
 * session token are {@link Secret}: the host never prints them. Create does not wait for SSH: the
 * host's provisioner does, so {@code --no-provision} never touches the instance.
 */
public final class AmazonEc2Driver extends BaseDriver {
  /** The tag naming the machine's unique id on everything made for it. */
  static final String ID_TAG = "machinehost-id";

  /** The tag naming the machine on its instance and key pair. */
  static final String MACHINE_TAG = "machinehost-machine";

  /** The tag on security groups this driver created, which it may delete when unused. */
  static final String MANAGED_TAG = "machinehost-managed";

  static final int DOCKER_PORT = 2376;
  static final String KEY_FILE = "id_ed25519";
  static final String COPIED_KEY_FILE = "id_rsa";

  private static final SecureRandom RANDOM = new SecureRandom();

  @JsonProperty("Id")
  String id = "";

  @JsonProperty("AccessKey")
  String accessKey = "";

  @Secret
  @JsonProperty("SecretKey")
  String secretKey = "";

  @Secret
  @JsonProperty("SessionToken")
  String sessionToken = "";

  @JsonProperty("Region")
  String region = Ec2Flags.DEFAULT_REGION;

  @JsonProperty("Endpoint")
  String endpoint = "";

  @JsonProperty("DisableSSL")
  boolean disableSsl;

  @JsonProperty("RetryCount")
  long retryCount = Ec2Flags.DEFAULT_RETRIES;

  @JsonProperty("AMI")
  String ami = "";

  @JsonProperty("InstanceType")
  String instanceType = Ec2Flags.DEFAULT_INSTANCE_TYPE;

  @JsonProperty("Zone")
  String zone = Ec2Flags.DEFAULT_ZONE;

  @JsonProperty("VpcId")
  String vpcId = "";

  @JsonProperty("SubnetId")
  String subnetId = "";

  @JsonProperty("SecurityGroupNames")
  List<String> securityGroupNames = new ArrayList<>(List.of(Ec2Flags.DEFAULT_SECURITY_GROUP));

  @JsonProperty("SecurityGroupIds")
  List<String> securityGroupIds = new ArrayList<>();

  @JsonProperty("SecurityGroupReadOnly")
  boolean securityGroupReadOnly;

  @JsonProperty("OpenPorts")
  List<String> openPorts = new ArrayList<>();

  @JsonProperty("Tags")
  String tags = "";

  @JsonProperty("DeviceName")
  String deviceName = Ec2Flags.DEFAULT_DEVICE_NAME;

  @JsonProperty("RootSize")
  long rootSize = Ec2Flags.DEFAULT_ROOT_SIZE;

  @JsonProperty("VolumeType")
  String volumeType = Ec2Flags.DEFAULT_VOLUME_TYPE;

  @JsonProperty("IamInstanceProfile")
  String iamInstanceProfile = "";

  @JsonProperty("RequestSpotInstance")
  boolean requestSpotInstance;

  @JsonProperty("SpotPrice")
  String spotPrice = Ec2Flags.DEFAULT_SPOT_PRICE;

  @JsonProperty("BlockDurationMinutes")
  long blockDurationMinutes;

  @JsonProperty("SpotInstanceRequestId")
  String spotInstanceRequestId = "";

  @JsonProperty("PrivateIPOnly")
  boolean privateIpOnly;

  @JsonProperty("UsePrivateIP")
  boolean usePrivateIp;

  @JsonProperty("Monitoring")
  boolean monitoring;

  @JsonProperty("UseEbsOptimizedInstance")
  boolean useEbsOptimizedInstance;

  @JsonProperty("SSHPrivateKeyPath")
  String sshPrivateKeyPath = "";

  @JsonProperty("KeyName")
  String keyName = "";

  /** Whether the key pair is the user's (--amazonec2-keypair-name): never deleted then. */
  @JsonProperty("ExistingKey")
  boolean existingKey;

  /** Whether create imported the key pair, so remove deletes it. */
  @JsonProperty("KeyPairImported")
  boolean keyPairImported;

  @JsonProperty("UserDataFile")
  String userDataFile = "";

  @JsonProperty("InstanceId")
  String instanceId = "";

  @JsonProperty("PrivateIPAddress")
  String privateIpAddress = "";

  /** Creates the driver for a machine. */
  public AmazonEc2Driver(String machineName, String storePath) {
    super(machineName, storePath);
  }

  @Override
  public String driverName() {
    return "amazonec2";
  }

  @Override
  public String description() {
    return "Amazon EC2 instances, through the EC2 API";
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.allOf(Capability.class);
  }

  @Override
  public List<CreateFlag> getCreateFlags() {
    return Ec2Flags.definitions();
  }

  @Override
  public void setConfigFromFlags(DriverOptions options) throws DriverException {
    disableSsl = options.getBool(Ec2Flags.INSECURE_TRANSPORT);
    endpoint = Ec2Flags.endpoint(options.getString(Ec2Flags.ENDPOINT), disableSsl);
    region = Ec2Flags.region(options.getString(Ec2Flags.REGION));
    accessKey = options.getString(Ec2Flags.ACCESS_KEY).trim();
    secretKey = options.getString(Ec2Flags.SECRET_KEY).trim();
    sessionToken = options.getString(Ec2Flags.SESSION_TOKEN).trim();
    if (accessKey.isEmpty() != secretKey.isEmpty()) {
      String missing = accessKey.isEmpty() ? Ec2Flags.ACCESS_KEY : Ec2Flags.SECRET_KEY;
      throw DriverException.invalidArgument(
          missing,
          "--%s and --%s go together: give --%s too, or neither to use the AWS credential chain",
          Ec2Flags.ACCESS_KEY,
          Ec2Flags.SECRET_KEY,
          missing);
    }
    retryCount = options.getInt(Ec2Flags.RETRIES);
    ami = options.getString(Ec2Flags.AMI).trim();
    instanceType = nonEmpty(options, Ec2Flags.INSTANCE_TYPE, Ec2Flags.DEFAULT_INSTANCE_TYPE);
    zone = Ec2Flags.zone(region, options.getString(Ec2Flags.ZONE));
    vpcId = options.getString(Ec2Flags.VPC_ID).trim();
    subnetId = options.getString(Ec2Flags.SUBNET_ID).trim();
    securityGroupNames = new ArrayList<>();
    for (String name : options.getStringList(Ec2Flags.SECURITY_GROUP)) {
      if (!name.isBlank() && !securityGroupNames.contains(name.trim())) {
        securityGroupNames.add(name.trim());
      }
    }
    securityGroupReadOnly = options.getBool(Ec2Flags.SECURITY_GROUP_READONLY);
    openPorts = Ec2Flags.openPorts(options.getStringList(Ec2Flags.OPEN_PORT));
    tags = options.getString(Ec2Flags.TAGS);
    Ec2Flags.tags(tags);
    deviceName = nonEmpty(options, Ec2Flags.DEVICE_NAME, Ec2Flags.DEFAULT_DEVICE_NAME);
    rootSize = options.getInt(Ec2Flags.ROOT_SIZE);
    volumeType = nonEmpty(options, Ec2Flags.VOLUME_TYPE, Ec2Flags.DEFAULT_VOLUME_TYPE);
    iamInstanceProfile = options.getString(Ec2Flags.IAM_INSTANCE_PROFILE).trim();
    sshPort = (int) options.getInt(Ec2Flags.SSH_PORT);
    sshUser = nonEmpty(options, Ec2Flags.SSH_USER, Ec2Flags.DEFAULT_SSH_USER);
    requestSpotInstance = options.getBool(Ec2Flags.REQUEST_SPOT_INSTANCE);
    spotPrice = Ec2Flags.spotPrice(options.getString(Ec2Flags.SPOT_PRICE));
    blockDurationMinutes = Ec2Flags.blockDuration(options.getInt(Ec2Flags.BLOCK_DURATION_MINUTES));
    privateIpOnly = options.getBool(Ec2Flags.PRIVATE_ADDRESS_ONLY);
    usePrivateIp = options.getBool(Ec2Flags.USE_PRIVATE_ADDRESS);
    monitoring = options.getBool(Ec2Flags.MONITORING);
    useEbsOptimizedInstance = options.getBool(Ec2Flags.USE_EBS_OPTIMIZED_INSTANCE);
    sshPrivateKeyPath = options.getString(Ec2Flags.SSH_KEYPATH).trim();
    keyName = options.getString(Ec2Flags.KEYPAIR_NAME).trim();
    existingKey = !keyName.isEmpty();
    if (existingKey && sshPrivateKeyPath.isEmpty()) {
      throw DriverException.invalidArgument(
          Ec2Flags.SSH_KEYPATH,
          "using --%s also requires --%s (the private key of that key pair)",
          Ec2Flags.KEYPAIR_NAME,
          Ec2Flags.SSH_KEYPATH);
    }
    if (!sshPrivateKeyPath.isEmpty()) {
      requireReadable(Ec2Flags.SSH_KEYPATH, Path.of(sshPrivateKeyPath));
      requireReadable(Ec2Flags.SSH_KEYPATH, Path.of(sshPrivateKeyPath + ".pub"));
    }
    userDataFile = options.getString(Ec2Flags.USERDATA).trim();
    if (!userDataFile.isEmpty()) {
      requireReadable(Ec2Flags.USERDATA, Path.of(userDataFile));
    }
    byte[] random = new byte[8];
    RANDOM.nextBytes(random);
    id = HexFormat.of().formatHex(random);
  }

  private static String nonEmpty(DriverOptions options, String flag, String fallback) {
    String value = options.getString(flag).trim();
    return value.isEmpty() ? fallback : value;
  }

  private static void requireReadable(String flag, Path file) throws DriverException {
    if (!Files.isReadable(file)) {
      throw DriverException.invalidArgument(
          flag, "--%s: the file %s does not exist or cannot be read", flag, file);
    }
  }

  /** Returns the EC2 API this machine's config points at. */
  Ec2Api api() {
    return SdkEc2Api.of(
        new Ec2Clients.Settings(endpoint, region, accessKey, secretKey, sessionToken, retryCount));
  }

  /** Checks credentials, zone, VPC, subnet, image and key pair before anything is made. */
  @Override
  public void preCreateCheck() throws DriverException {
    new Prerequisites(this, api()).check();
  }

  @Override
  public void create(Operation operation) throws DriverException {
    new MachineCreator(this, api(), operation).create();
  }

  @Override
  public void remove(Operation operation) throws DriverException {
    new MachineRemover(this, api(), operation).remove();
  }

  /** Returns the machine's instance, NOT_FOUND (saying what to do) when EC2 no longer has it. */
  Ec2Api.Instance requireInstance(Ec2Api api) throws DriverException {
    if (instanceId.isEmpty()) {
      throw DriverException.notFound(
          "the machine \"%s\" has no instance (its create did not finish); remove it with"
              + " \"machine rm %s\"",
          machineName, machineName);
    }
    Optional<Ec2Api.Instance> found = api.instance(instanceId);
    if (found.isEmpty() || found.get().state().equals("terminated")) {
      throw DriverException.notFound(
          "the instance %s of machine \"%s\" no longer exists; remove the machine with \"machine"
              + " rm %s\"",
          instanceId, machineName, machineName);
    }
    return found.get();
  }

  @Override
  public void start(Operation operation) throws DriverException {
    Ec2Api api = api();
    Ec2Api.Instance instance = requireInstance(api);
    if (instance.state().equals("running") || instance.state().equals("pending")) {
      operation.progress("start", "The instance " + instanceId + " is " + instance.state());
    } else {
      if (!instance.state().equals("stopped")) {
        InstanceStates.await(api, instanceId, Set.of("stopped"), "wait-stopped", operation);
      }
      operation.progress("start", "Starting the instance " + instanceId, 0.0);
      api.startInstance(instanceId);
    }
    Ec2Api.Instance running =
        InstanceStates.await(api, instanceId, Set.of("running"), "wait-running", operation);
    record(running);
    operation.progress("started", "The instance " + instanceId + " runs", 1.0);
  }

  @Override
  public void stop(Operation operation) throws DriverException {
    halt(operation, false);
  }

  @Override
  public void kill(Operation operation) throws DriverException {
    halt(operation, true);
  }

  private void halt(Operation operation, boolean force) throws DriverException {
    Ec2Api api = api();
    Ec2Api.Instance instance = requireInstance(api);
    String verb = force ? "Force-stopping" : "Stopping";
    if (instance.state().equals("stopped")) {
      operation.progress(force ? "kill" : "stop", "The instance " + instanceId + " is stopped");
      return;
    }
    operation.progress(force ? "kill" : "stop", verb + " the instance " + instanceId, 0.0);
    api.stopInstance(instanceId, force);
    InstanceStates.await(api, instanceId, Set.of("stopped"), "wait-stopped", operation);
    operation.progress("stopped", "The instance " + instanceId + " is stopped", 1.0);
  }

  @Override
  public void restart(Operation operation) throws DriverException {
    Ec2Api api = api();
    Ec2Api.Instance instance = requireInstance(api);
    if (!instance.state().equals("running")) {
      start(operation);
      return;
    }
    operation.progress("restart", "Rebooting the instance " + instanceId, 0.0);
    api.rebootInstance(instanceId);
    record(InstanceStates.await(api, instanceId, Set.of("running"), "wait-running", operation));
    operation.progress("restarted", "The instance " + instanceId + " runs", 1.0);
  }

  @Override
  public MachineState getState() throws DriverException {
    if (instanceId.isEmpty()) {
      return MachineState.NOT_FOUND;
    }
    return api()
        .instance(instanceId)
        .map(i -> InstanceStates.of(i.state()))
        .orElse(MachineState.NOT_FOUND);
  }

  /** Keeps the addresses EC2 gave the instance (the public one changes at every start). */
  void record(Ec2Api.Instance instance) {
    privateIpAddress = instance.privateIp();
    String address = address(instance);
    if (!address.isEmpty()) {
      ipAddress = address;
    }
  }

  /** Returns the address recorded at the last create, start or restart. */
  String recordedIp() {
    return ipAddress == null ? "" : ipAddress;
  }

  void useSshKey(Path key) {
    sshKeyPath = key.toString();
  }

  /** The address the machine is reached at: private with either private flag, else public. */
  String address(Ec2Api.Instance instance) {
    return privateIpOnly || usePrivateIp ? instance.privateIp() : instance.publicIp();
  }

  /** Returns the instance's current address, asking EC2. */
  @Override
  public String getIp() throws DriverException {
    Ec2Api.Instance instance = requireInstance(api());
    String address = address(instance);
    if (address.isEmpty()) {
      throw DriverException.failedPrecondition(
          "the instance %s of machine \"%s\" has no %s IP address while it is %s%s",
          instanceId,
          machineName,
          privateIpOnly || usePrivateIp ? "private" : "public",
          instance.state(),
          instance.state().equals("running")
              ? "; use --" + Ec2Flags.USE_PRIVATE_ADDRESS + " for instances without one"
              : ": start it with \"machine start " + machineName + "\"");
    }
    return address;
  }

  @Override
  public String getUrl() throws DriverException {
    Ec2Api.Instance instance = requireInstance(api());
    if (!instance.state().equals("running")) {
      throw DriverException.failedPrecondition(
          "the machine \"%s\" is not running (its instance %s is %s): start it with \"machine"
              + " start %s\"",
          machineName, instanceId, instance.state(), machineName);
    }
    String address = address(instance);
    if (address.isEmpty()) {
      return getIp(); // says why there is none
    }
    return "tcp://" + address + ":" + DOCKER_PORT;
  }

  @Override
  public String getSshUsername() {
    return sshUser == null || sshUser.isEmpty() ? Ec2Flags.DEFAULT_SSH_USER : sshUser;
  }

  @Override
  public int getSshPort() {
    return sshPort <= 0 ? (int) Ec2Flags.DEFAULT_SSH_PORT : sshPort;
  }

  @Override
  public String getSshKeyPath() {
    if (sshKeyPath != null && !sshKeyPath.isEmpty()) {
      return sshKeyPath;
    }
    return resolveStorePath(sshPrivateKeyPath.isEmpty() ? KEY_FILE : COPIED_KEY_FILE).toString();
  }
}
