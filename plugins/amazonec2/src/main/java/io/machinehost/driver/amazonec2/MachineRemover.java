package io.machinehost.driver.amazonec2;

import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One remove: terminates the machine's instance (and any other carrying its id, from a create cut
 * short), cancels its spot request, deletes the key pair it imported, and deletes the security
 * groups this driver created once no other instance uses them. What is already gone is skipped, so
 * removing twice, or removing what a failed create half-made, succeeds.
 */
final class MachineRemover {
  /** How long a deleted group may stay in use by the terminated instance's interface. */
  private static final Duration GROUP_RELEASE = Duration.ofMinutes(3);

  private final AmazonEc2Driver d;
  private final Ec2Api api;
  private final Operation operation;

  MachineRemover(AmazonEc2Driver driver, Ec2Api api, Operation operation) {
    this.d = driver;
    this.api = api;
    this.operation = operation;
  }

  void remove() throws DriverException {
    Set<String> instances = terminate();
    if (!d.spotInstanceRequestId.isEmpty()) {
      operation.progress("spot-request", "Cancelling the spot request " + d.spotInstanceRequestId);
      api.cancelSpotRequest(d.spotInstanceRequestId);
    }
    deleteKeyPairs();
    deleteGroups(instances);
    operation.progress("removed", "Removed the machine's EC2 resources", 1.0);
  }

  /** Terminates the instances and returns their ids. */
  private Set<String> terminate() throws DriverException {
    Set<String> ids = new LinkedHashSet<>();
    if (!d.instanceId.isEmpty()) {
      ids.add(d.instanceId);
    }
    if (!d.id.isEmpty()) {
      for (Ec2Api.Instance i : api.instancesTagged(AmazonEc2Driver.ID_TAG, d.id)) {
        ids.add(i.id());
      }
    }
    if (ids.isEmpty()) {
      operation.progress("terminate", "The machine has no instance");
    }
    for (String instance : ids) {
      operation.progress("terminate", "Terminating the instance " + instance, 0.1);
      api.terminateInstance(instance);
    }
    return ids;
  }

  private void deleteKeyPairs() throws DriverException {
    Set<String> names = new LinkedHashSet<>();
    if (d.keyPairImported && !d.existingKey && !d.keyName.isEmpty()) {
      names.add(d.keyName);
    }
    if (!d.id.isEmpty()) {
      names.addAll(api.keyPairsTagged(AmazonEc2Driver.ID_TAG, d.id));
    }
    for (String name : names) {
      operation.progress("key-pair", "Deleting the key pair " + name, 0.5);
      api.deleteKeyPair(name);
    }
  }

  /** The groups of the machine: recorded at create, or looked up by name if create was cut. */
  private List<Ec2Api.SecurityGroup> groups() throws DriverException {
    List<Ec2Api.SecurityGroup> groups = new ArrayList<>();
    if (!d.securityGroupIds.isEmpty()) {
      for (String groupId : d.securityGroupIds) {
        api.securityGroup(groupId).ifPresent(groups::add);
      }
    } else if (!d.securityGroupNames.isEmpty() && !d.vpcId.isEmpty()) {
      groups.addAll(api.securityGroups(d.vpcId, d.securityGroupNames));
    } else if (!d.securityGroupNames.isEmpty() && d.subnetId.isEmpty()) {
      Optional<String> vpc = api.defaultVpc();
      if (vpc.isPresent()) {
        groups.addAll(api.securityGroups(vpc.get(), d.securityGroupNames));
      }
    }
    return groups;
  }

  private void deleteGroups(Set<String> ours) throws DriverException {
    for (Ec2Api.SecurityGroup group : groups()) {
      if (!"true".equals(group.tags().get(AmazonEc2Driver.MANAGED_TAG))) {
        continue; // the user's own group: never deleted
      }
      List<String> others = otherUsers(group.id(), ours);
      if (!others.isEmpty()) {
        operation.progress(
            "security-group",
            "Keeping the security group "
                + group.name()
                + " "
                + group.id()
                + ": "
                + String.join(", ", others)
                + " still use"
                + (others.size() == 1 ? "s" : "")
                + " it");
        continue;
      }
      operation.progress(
          "security-group", "Deleting the security group " + group.name() + " " + group.id(), 0.8);
      deleteWhenReleased(group, ours);
    }
  }

  /** Returns what else uses a group: live instances other than ours, and loose interfaces. */
  private List<String> otherUsers(String groupId, Set<String> ours) throws DriverException {
    Set<String> candidates = new LinkedHashSet<>();
    List<String> others = new ArrayList<>();
    for (String user : api.groupUsers(groupId)) {
      if (user.isEmpty()) {
        others.add("a network interface attached to no instance");
      } else if (!ours.contains(user)) {
        candidates.add(user);
      }
    }
    for (Ec2Api.Instance i : api.instances(candidates)) {
      if (!i.state().equals("terminated") && !i.state().equals("shutting-down")) {
        others.add("the instance " + i.id());
      }
    }
    return others;
  }

  /**
   * Deletes a group, retrying while EC2 still counts the terminated instance's network interface as
   * using it (DependencyViolation).
   */
  private void deleteWhenReleased(Ec2Api.SecurityGroup group, Set<String> ours)
      throws DriverException {
    long deadline = System.nanoTime() + GROUP_RELEASE.toNanos();
    long pause = 1000;
    while (true) {
      try {
        api.deleteSecurityGroup(group.id());
        return;
      } catch (DriverException e) {
        if (e.code() != DriverException.Code.FAILED_PRECONDITION || System.nanoTime() > deadline) {
          throw e;
        }
        if (!otherUsers(group.id(), ours).isEmpty()) {
          return; // another machine took it in the meantime: it is theirs to delete
        }
      }
      operation.progress(
          "security-group", "Waiting for EC2 to release the security group " + group.id());
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw DriverException.cancelled("deleting the security group %s was cancelled", group.id());
      }
      pause = Math.min(pause * 2, 10_000);
    }
  }
}
