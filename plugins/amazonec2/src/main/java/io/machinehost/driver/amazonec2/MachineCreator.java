package io.machinehost.driver.amazonec2;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.Operation;
import io.machinehost.sdk.ssh.SshKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One create: the key pair, the security groups, the instance (on demand or spot) and the wait
 * until it runs, each step reported. Everything made is tagged with the machine's id, so a create
 * that fails or is cancelled, even half-way through a call, removes all of it before it ends.
 */
final class MachineCreator {
  private static final Duration SPOT_WAIT = Duration.ofMinutes(5);

  private final AmazonEc2Driver d;
  private final Ec2Api api;
  private final Operation operation;

  MachineCreator(AmazonEc2Driver driver, Ec2Api api, Operation operation) {
    this.d = driver;
    this.api = api;
    this.operation = operation;
  }

  void create() throws DriverException {
    operation.progress("check", "Checking the credentials, network, image and key pair", 0.0);
    new Prerequisites(d, api).check();
    try {
      operation.checkCancelled();
      keyPair();
      operation.checkCancelled();
      securityGroups();
      operation.checkCancelled();
      launch();
      operation.checkCancelled();
      Ec2Api.Instance running =
          InstanceStates.await(api, d.instanceId, Set.of("running"), "wait-running", operation);
      d.record(running);
      if (d.requestSpotInstance) {
        api.createTags(d.instanceId, tags());
      }
      operation.progress(
          "ready",
          "The instance "
              + d.instanceId
              + " runs"
              + (d.recordedIp().isEmpty() ? "" : " at " + d.recordedIp()),
          1.0);
    } catch (DriverException | RuntimeException e) {
      boolean cancelled =
          operation.isCancelled()
              || (e instanceof DriverException de && de.code() == DriverException.Code.CANCELLED);
      String cleanUp = cleanUp();
      if (cancelled) {
        throw DriverException.cancelled(
            "creating the machine \"%s\" was cancelled; %s",
            d.getMachineName(), cleanUp.isEmpty() ? "what it made in EC2 was removed" : cleanUp);
      }
      throw e;
    }
  }

  /** The instance's tags: Name, the user's, and the machine's own. */
  Map<String, String> tags() throws DriverException {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("Name", d.getMachineName());
    tags.putAll(Ec2Flags.tags(d.tags));
    tags.put(AmazonEc2Driver.MACHINE_TAG, d.getMachineName());
    tags.put(AmazonEc2Driver.ID_TAG, d.id);
    return tags;
  }

  private void keyPair() throws DriverException {
    byte[] publicKey;
    if (d.sshPrivateKeyPath.isEmpty()) {
      Path key = d.resolveStorePath(AmazonEc2Driver.KEY_FILE);
      operation.progress("ssh-key", "Generating the machine's SSH key " + key, 0.05);
      publicKey = SshKeys.generate(key).getBytes(StandardCharsets.US_ASCII);
      d.useSshKey(key);
    } else {
      Path from = Path.of(d.sshPrivateKeyPath);
      Path key = d.resolveStorePath(AmazonEc2Driver.COPIED_KEY_FILE);
      operation.progress("ssh-key", "Copying the SSH key " + from + " to " + key, 0.05);
      try {
        SshKeys.copyOwnerOnly(from, key);
        SshKeys.copyOwnerOnly(SshKeys.publicKeyPath(from), SshKeys.publicKeyPath(key));
        publicKey = Files.readAllBytes(SshKeys.publicKeyPath(from));
      } catch (IOException e) {
        throw DriverException.invalidArgument(
                Ec2Flags.SSH_KEYPATH,
                "cannot copy the SSH key %s (--%s): %s",
                from,
                Ec2Flags.SSH_KEYPATH,
                e.getMessage())
            .withCause(e);
      }
      d.useSshKey(key);
    }
    if (d.existingKey) {
      operation.progress("key-pair", "Using the key pair " + d.keyName, 0.1);
      return;
    }
    d.keyName = d.getMachineName();
    operation.progress("key-pair", "Importing the key pair " + d.keyName, 0.1);
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put(AmazonEc2Driver.MACHINE_TAG, d.getMachineName());
    tags.put(AmazonEc2Driver.ID_TAG, d.id);
    api.importKeyPair(d.keyName, publicKey, tags);
    d.keyPairImported = true;
  }

  private void securityGroups() throws DriverException {
    d.securityGroupIds = new ArrayList<>();
    if (d.securityGroupNames.isEmpty()) {
      return;
    }
    operation.progress(
        "security-group",
        "Configuring the security group"
            + (d.securityGroupNames.size() > 1 ? "s " : " ")
            + String.join(", ", d.securityGroupNames)
            + " in "
            + d.vpcId,
        0.2);
    Map<String, Ec2Api.SecurityGroup> existing = new LinkedHashMap<>();
    for (Ec2Api.SecurityGroup g : api.securityGroups(d.vpcId, d.securityGroupNames)) {
      existing.put(g.name(), g);
    }
    for (String name : d.securityGroupNames) {
      Ec2Api.SecurityGroup group = existing.get(name);
      if (group == null) {
        group = createGroup(name);
      } else {
        operation.progress("security-group", "Using the security group " + name + " " + group.id());
      }
      d.securityGroupIds.add(group.id());
      if (!d.securityGroupReadOnly) {
        authorize(group);
      }
    }
  }

  private Ec2Api.SecurityGroup createGroup(String name) throws DriverException {
    operation.progress("security-group", "Creating the security group " + name);
    try {
      String groupId =
          api.createSecurityGroup(
              d.vpcId, name, "Docker Machine", Map.of(AmazonEc2Driver.MANAGED_TAG, "true"));
      return new Ec2Api.SecurityGroup(
          groupId, name, d.vpcId, List.of(), Map.of(AmazonEc2Driver.MANAGED_TAG, "true"));
    } catch (DriverException e) {
      if (e.code() != DriverException.Code.ALREADY_EXISTS) {
        throw e;
      }
      // Another machine made it at the same moment: use that one.
      return api.securityGroups(d.vpcId, List.of(name)).stream().findFirst().orElseThrow(() -> e);
    }
  }

  private void authorize(Ec2Api.SecurityGroup group) throws DriverException {
    Set<String> wanted = new LinkedHashSet<>();
    wanted.add(d.getSshPort() + "/tcp");
    wanted.add(AmazonEc2Driver.DOCKER_PORT + "/tcp");
    wanted.addAll(d.openPorts);
    wanted.removeAll(group.ports());
    if (wanted.isEmpty()) {
      return;
    }
    operation.progress(
        "security-group", "Opening " + String.join(", ", wanted) + " in " + group.name());
    try {
      api.authorizeIngress(group.id(), List.copyOf(wanted));
    } catch (DriverException e) {
      if (e.code() != DriverException.Code.ALREADY_EXISTS) {
        throw e; // a rule another machine just added is no failure
      }
    }
  }

  private Ec2Api.LaunchSpec spec() throws DriverException {
    String userData = "";
    if (!d.userDataFile.isEmpty()) {
      try {
        userData = Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(d.userDataFile)));
      } catch (IOException e) {
        throw DriverException.invalidArgument(
            Ec2Flags.USERDATA,
            "unable to read --%s file %s: %s",
            Ec2Flags.USERDATA,
            d.userDataFile,
            e.getMessage());
      }
    }
    return new Ec2Api.LaunchSpec(
        d.ami,
        d.instanceType,
        d.zone,
        d.subnetId,
        List.copyOf(d.securityGroupIds),
        d.keyName,
        !d.privateIpOnly,
        d.deviceName,
        d.rootSize,
        d.volumeType,
        d.iamInstanceProfile,
        d.monitoring,
        d.useEbsOptimizedInstance,
        userData,
        tags(),
        d.id);
  }

  private void launch() throws DriverException {
    Ec2Api.LaunchSpec spec = spec();
    if (!d.requestSpotInstance) {
      operation.progress(
          "run-instance",
          "Launching a " + d.instanceType + " instance of " + d.ami + " in " + d.zone,
          0.3);
      d.instanceId = api.runInstance(spec);
      operation.progress("run-instance", "Launched the instance " + d.instanceId, 0.4);
      return;
    }
    operation.progress(
        "spot-request",
        "Requesting a " + d.instanceType + " spot instance at $" + d.spotPrice + " in " + d.zone,
        0.3);
    d.spotInstanceRequestId = api.requestSpotInstance(spec, d.spotPrice, d.blockDurationMinutes);
    long deadline = System.nanoTime() + SPOT_WAIT.toNanos();
    long pause = 500;
    while (true) {
      Optional<String> instance = api.spotInstanceId(d.spotInstanceRequestId);
      if (instance.isPresent()) {
        d.instanceId = instance.get();
        operation.progress(
            "spot-request",
            "The spot request " + d.spotInstanceRequestId + " got the instance " + d.instanceId,
            0.4);
        return;
      }
      if (System.nanoTime() > deadline) {
        throw DriverException.timeout(
            "the spot request %s was not fulfilled within %d minutes at $%s (--%s)",
            d.spotInstanceRequestId, SPOT_WAIT.toMinutes(), d.spotPrice, Ec2Flags.SPOT_PRICE);
      }
      operation.checkCancelled();
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw DriverException.cancelled("waiting for a spot instance was cancelled");
      }
      pause = Math.min(pause * 2, 5000);
    }
  }

  /**
   * Removes what this create made, on a thread that may be interrupted (cancelled): the interrupt
   * is set aside while the clean-up calls run, then restored.
   *
   * @return empty when all is removed, else what is left and what to do
   */
  private String cleanUp() {
    boolean interrupted = Thread.interrupted();
    try {
      new MachineRemover(d, api, Operation.none()).remove();
      for (String file : List.of(AmazonEc2Driver.KEY_FILE, AmazonEc2Driver.COPIED_KEY_FILE)) {
        Path key = d.resolveStorePath(file);
        Files.deleteIfExists(key);
        Files.deleteIfExists(SshKeys.publicKeyPath(key));
      }
      return "";
    } catch (DriverException e) {
      System.err.println(
          "machine-driver-amazonec2: cleaning up after the failed create of \""
              + d.getMachineName()
              + "\": "
              + e.getMessage());
      return "cleaning up failed: " + e.getMessage();
    } catch (IOException e) {
      return ""; // the host removes the machine directory anyway
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
