package io.machinehost.driver.amazonec2;

import io.machinehost.sdk.DriverException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.AccountAttribute;
import software.amazon.awssdk.services.ec2.model.AccountAttributeName;
import software.amazon.awssdk.services.ec2.model.AvailabilityZone;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Image;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.Tag;

/** {@link Ec2Api} on the AWS SDK for Java 2's EC2 client. */
final class SdkEc2Api implements Ec2Api {
  private static final List<String> LIVE_STATES =
      List.of("pending", "running", "stopping", "stopped", "shutting-down");

  private final Ec2Client ec2;
  private final String where;

  SdkEc2Api(Ec2Client ec2, String where) {
    this.ec2 = ec2;
    this.where = where;
  }

  static SdkEc2Api of(Ec2Clients.Settings settings) {
    return new SdkEc2Api(Ec2Clients.client(settings), settings.toString());
  }

  private <T> T call(String what, Supplier<T> call) throws DriverException {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw Ec2Errors.translate(what, where, e);
    }
  }

  /** Runs a call whose "not found" answer means there is nothing: returns empty then. */
  private <T> Optional<T> find(String what, Supplier<T> call) throws DriverException {
    try {
      return Optional.ofNullable(call.get());
    } catch (RuntimeException e) {
      if (Ec2Errors.isNotFound(e)) {
        return Optional.empty();
      }
      throw Ec2Errors.translate(what, where, e);
    }
  }

  /** Runs a describe call whose empty answer, or "not found", means the thing does not exist. */
  private boolean exists(String what, Supplier<? extends List<?>> call) throws DriverException {
    return find(what, call).map(list -> !list.isEmpty()).orElse(false);
  }

  private static Filter filter(String name, Collection<String> values) {
    return Filter.builder().name(name).values(values).build();
  }

  private static Filter filter(String name, String value) {
    return filter(name, List.of(value));
  }

  private static Map<String, String> tagMap(List<Tag> tags) {
    Map<String, String> map = new LinkedHashMap<>();
    for (Tag t : tags) {
      map.put(t.key(), t.value());
    }
    return map;
  }

  @Override
  public List<String> availabilityZones() throws DriverException {
    return call(
        "list the availability zones",
        () ->
            ec2.describeAvailabilityZones().availabilityZones().stream()
                .map(AvailabilityZone::zoneName)
                .toList());
  }

  @Override
  public Optional<String> defaultVpc() throws DriverException {
    List<AccountAttribute> attributes =
        call(
            "read the account's default VPC",
            () ->
                ec2.describeAccountAttributes(
                        r -> r.attributeNames(AccountAttributeName.DEFAULT_VPC))
                    .accountAttributes());
    for (AccountAttribute a : attributes) {
      if ("default-vpc".equals(a.attributeName()) && !a.attributeValues().isEmpty()) {
        String value = a.attributeValues().get(0).attributeValue();
        if (value != null && !value.isEmpty() && !value.equals("none")) {
          return Optional.of(value);
        }
      }
    }
    // Some accounts (and emulators) answer "none" while a VPC is marked default: ask the VPCs.
    return call(
        "find the default VPC",
        () ->
            ec2.describeVpcs(r -> r.filters(filter("is-default", "true"))).vpcs().stream()
                .map(v -> v.vpcId())
                .findFirst());
  }

  @Override
  public boolean vpcExists(String vpcId) throws DriverException {
    return exists("describe the VPC " + vpcId, () -> ec2.describeVpcs(r -> r.vpcIds(vpcId)).vpcs());
  }

  @Override
  public Optional<Subnet> subnet(String subnetId) throws DriverException {
    return find(
            "describe the subnet " + subnetId,
            () -> ec2.describeSubnets(r -> r.subnetIds(subnetId)).subnets())
        .flatMap(list -> list.stream().findFirst())
        .map(SdkEc2Api::subnet);
  }

  @Override
  public List<Subnet> subnets(String vpcId, String zone) throws DriverException {
    return call(
        "list the subnets of " + vpcId + " in " + zone,
        () ->
            ec2
                .describeSubnets(
                    r -> r.filters(filter("vpc-id", vpcId), filter("availability-zone", zone)))
                .subnets()
                .stream()
                .map(SdkEc2Api::subnet)
                .toList());
  }

  private static Subnet subnet(software.amazon.awssdk.services.ec2.model.Subnet s) {
    return new Subnet(
        s.subnetId(), s.vpcId(), s.availabilityZone(), Boolean.TRUE.equals(s.defaultForAz()));
  }

  @Override
  public boolean imageExists(String imageId) throws DriverException {
    return exists(
        "describe the image " + imageId,
        () -> ec2.describeImages(r -> r.imageIds(imageId)).images());
  }

  @Override
  public Optional<String> newestImage(String owner, String namePattern, Predicate<String> accept)
      throws DriverException {
    return call(
        "find the newest image named " + namePattern,
        () ->
            ec2
                .describeImages(
                    r ->
                        r.owners(owner)
                            .filters(
                                filter("name", namePattern),
                                filter("state", "available"),
                                filter("architecture", "x86_64")))
                .images()
                .stream()
                .filter(i -> i.name() != null && accept.test(i.name()))
                .max(
                    Comparator.comparing((Image i) -> String.valueOf(i.creationDate()))
                        .thenComparing(i -> String.valueOf(i.name())))
                .map(Image::imageId));
  }

  @Override
  public boolean keyPairExists(String name) throws DriverException {
    return exists(
        "describe the key pair " + name,
        () -> ec2.describeKeyPairs(r -> r.keyNames(name)).keyPairs());
  }

  @Override
  public void importKeyPair(String name, byte[] publicKey, Map<String, String> tags)
      throws DriverException {
    call(
        "import the key pair " + name,
        () ->
            ec2.importKeyPair(
                r ->
                    r.keyName(name)
                        .publicKeyMaterial(SdkBytes.fromByteArray(publicKey))
                        .tagSpecifications(LaunchRequests.tagSpec(ResourceType.KEY_PAIR, tags))));
  }

  @Override
  public List<String> keyPairsTagged(String key, String value) throws DriverException {
    return call(
        "list the key pairs tagged " + key + "=" + value,
        () ->
            ec2.describeKeyPairs(r -> r.filters(filter("tag:" + key, value))).keyPairs().stream()
                .map(k -> k.keyName())
                .toList());
  }

  @Override
  public void deleteKeyPair(String name) throws DriverException {
    find("delete the key pair " + name, () -> ec2.deleteKeyPair(r -> r.keyName(name)));
  }

  @Override
  public List<SecurityGroup> securityGroups(String vpcId, Collection<String> names)
      throws DriverException {
    return call(
        "look up the security groups " + names + " of " + vpcId,
        () ->
            ec2
                .describeSecurityGroups(
                    r -> r.filters(filter("group-name", names), filter("vpc-id", vpcId)))
                .securityGroups()
                .stream()
                .map(SdkEc2Api::group)
                .toList());
  }

  @Override
  public Optional<SecurityGroup> securityGroup(String groupId) throws DriverException {
    return find(
            "describe the security group " + groupId,
            () -> ec2.describeSecurityGroups(r -> r.groupIds(groupId)).securityGroups())
        .flatMap(groups -> groups.stream().findFirst())
        .map(SdkEc2Api::group);
  }

  private static SecurityGroup group(software.amazon.awssdk.services.ec2.model.SecurityGroup g) {
    List<String> ports = new ArrayList<>();
    for (IpPermission p : g.ipPermissions()) {
      if (p.fromPort() != null) {
        ports.add(p.fromPort() + "/" + p.ipProtocol());
      }
    }
    return new SecurityGroup(g.groupId(), g.groupName(), g.vpcId(), ports, tagMap(g.tags()));
  }

  @Override
  public String createSecurityGroup(
      String vpcId, String name, String description, Map<String, String> tags)
      throws DriverException {
    return call(
        "create the security group " + name + " in " + vpcId,
        () ->
            ec2.createSecurityGroup(
                    r ->
                        r.groupName(name)
                            .description(description)
                            .vpcId(vpcId)
                            .tagSpecifications(
                                LaunchRequests.tagSpec(ResourceType.SECURITY_GROUP, tags)))
                .groupId());
  }

  @Override
  public void authorizeIngress(String groupId, List<String> ports) throws DriverException {
    List<IpPermission> permissions = new ArrayList<>();
    for (String port : ports) {
      String[] parts = port.split("/", 2);
      int number = Integer.parseInt(parts[0]);
      permissions.add(
          IpPermission.builder()
              .ipProtocol(parts[1])
              .fromPort(number)
              .toPort(number)
              .ipRanges(IpRange.builder().cidrIp("0.0.0.0/0").build())
              .build());
    }
    call(
        "open the ports " + ports + " in the security group " + groupId,
        () ->
            ec2.authorizeSecurityGroupIngress(r -> r.groupId(groupId).ipPermissions(permissions)));
  }

  @Override
  public void deleteSecurityGroup(String groupId) throws DriverException {
    find(
        "delete the security group " + groupId,
        () -> ec2.deleteSecurityGroup(r -> r.groupId(groupId)));
  }

  @Override
  public List<String> groupUsers(String groupId) throws DriverException {
    return call(
        "list what uses the security group " + groupId,
        () -> {
          List<String> users = new ArrayList<>();
          ec2.describeNetworkInterfacesPaginator(r -> r.filters(filter("group-id", groupId)))
              .networkInterfaces()
              .forEach(
                  n ->
                      users.add(
                          n.attachment() == null || n.attachment().instanceId() == null
                              ? ""
                              : n.attachment().instanceId()));
          return users;
        });
  }

  @Override
  public String runInstance(LaunchSpec spec) throws DriverException {
    return call(
        "run an instance of " + spec.ami(),
        () -> ec2.runInstances(LaunchRequests.run(spec)).instances().get(0).instanceId());
  }

  @Override
  public String requestSpotInstance(LaunchSpec spec, String price, long blockDurationMinutes)
      throws DriverException {
    return call(
        "request a spot instance of " + spec.ami(),
        () ->
            ec2.requestSpotInstances(LaunchRequests.spot(spec, price, blockDurationMinutes))
                .spotInstanceRequests()
                .get(0)
                .spotInstanceRequestId());
  }

  @Override
  public Optional<String> spotInstanceId(String requestId) throws DriverException {
    return find(
            "describe the spot request " + requestId,
            () ->
                ec2.describeSpotInstanceRequests(r -> r.spotInstanceRequestIds(requestId))
                    .spotInstanceRequests())
        .flatMap(list -> list.stream().findFirst())
        .map(r -> r.instanceId())
        .filter(id -> !id.isEmpty());
  }

  @Override
  public void cancelSpotRequest(String requestId) throws DriverException {
    find(
        "cancel the spot request " + requestId,
        () -> ec2.cancelSpotInstanceRequests(r -> r.spotInstanceRequestIds(requestId)));
  }

  @Override
  public void createTags(String resourceId, Map<String, String> tags) throws DriverException {
    call(
        "tag " + resourceId,
        () -> ec2.createTags(r -> r.resources(resourceId).tags(LaunchRequests.tagList(tags))));
  }

  private static List<Instance> flatten(List<Reservation> reservations) {
    List<Instance> instances = new ArrayList<>();
    for (Reservation r : reservations) {
      for (var i : r.instances()) {
        instances.add(
            new Instance(
                i.instanceId(),
                i.state() == null ? "" : i.state().nameAsString(),
                i.publicIpAddress() == null ? "" : i.publicIpAddress(),
                i.privateIpAddress() == null ? "" : i.privateIpAddress()));
      }
    }
    return instances;
  }

  @Override
  public Optional<Instance> instance(String instanceId) throws DriverException {
    return find(
            "describe the instance " + instanceId,
            () -> ec2.describeInstances(r -> r.instanceIds(instanceId)).reservations())
        .flatMap(reservations -> flatten(reservations).stream().findFirst());
  }

  @Override
  public List<Instance> instances(Collection<String> instanceIds) throws DriverException {
    if (instanceIds.isEmpty()) {
      return List.of();
    }
    List<Instance> found = new ArrayList<>();
    for (String id : instanceIds) {
      // One at a time: EC2 fails the whole call when one of several ids is unknown.
      instance(id).ifPresent(found::add);
    }
    return found;
  }

  @Override
  public List<Instance> instancesTagged(String key, String value) throws DriverException {
    return call(
        "list the instances tagged " + key + "=" + value,
        () ->
            flatten(
                ec2.describeInstances(
                        r ->
                            r.filters(
                                filter("tag:" + key, value),
                                filter("instance-state-name", LIVE_STATES)))
                    .reservations()));
  }

  @Override
  public void startInstance(String instanceId) throws DriverException {
    call(
        "start the instance " + instanceId,
        () -> ec2.startInstances(r -> r.instanceIds(instanceId)));
  }

  @Override
  public void stopInstance(String instanceId, boolean force) throws DriverException {
    call(
        (force ? "force-stop" : "stop") + " the instance " + instanceId,
        () -> ec2.stopInstances(r -> r.instanceIds(instanceId).force(force)));
  }

  @Override
  public void rebootInstance(String instanceId) throws DriverException {
    call(
        "reboot the instance " + instanceId,
        () -> ec2.rebootInstances(r -> r.instanceIds(instanceId)));
  }

  @Override
  public void terminateInstance(String instanceId) throws DriverException {
    find(
        "terminate the instance " + instanceId,
        () -> ec2.terminateInstances(r -> r.instanceIds(instanceId)));
  }
}
