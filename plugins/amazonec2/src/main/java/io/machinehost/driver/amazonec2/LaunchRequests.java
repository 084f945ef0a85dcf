package io.machinehost.driver.amazonec2;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.ec2.model.BlockDeviceMapping;
import software.amazon.awssdk.services.ec2.model.InstanceNetworkInterfaceSpecification;
import software.amazon.awssdk.services.ec2.model.RequestSpotInstancesRequest;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/**
 * The EC2 requests that launch an instance, on demand or spot, from a {@link Ec2Api.LaunchSpec}.
 */
final class LaunchRequests {
  private LaunchRequests() {}

  static List<Tag> tagList(Map<String, String> tags) {
    return tags.entrySet().stream()
        .map(t -> Tag.builder().key(t.getKey()).value(t.getValue()).build())
        .toList();
  }

  static TagSpecification tagSpec(ResourceType type, Map<String, String> tags) {
    return TagSpecification.builder().resourceType(type).tags(tagList(tags)).build();
  }

  /** One interface in the subnet, with the groups; a public address unless private only. */
  private static InstanceNetworkInterfaceSpecification network(Ec2Api.LaunchSpec spec) {
    return InstanceNetworkInterfaceSpecification.builder()
        .deviceIndex(0)
        .groups(spec.securityGroupIds())
        .subnetId(spec.subnetId())
        .associatePublicIpAddress(spec.associatePublicIp())
        .build();
  }

  /** The root volume, deleted with the instance. */
  private static BlockDeviceMapping rootDevice(Ec2Api.LaunchSpec spec) {
    return BlockDeviceMapping.builder()
        .deviceName(spec.deviceName())
        .ebs(
            e ->
                e.volumeSize((int) spec.rootSize())
                    .volumeType(spec.volumeType())
                    .deleteOnTermination(true))
        .build();
  }

  /** RunInstances of one instance, tagged (instance and volume) at launch, idempotent by token. */
  static RunInstancesRequest run(Ec2Api.LaunchSpec spec) {
    RunInstancesRequest.Builder r =
        RunInstancesRequest.builder()
            .imageId(spec.ami())
            .minCount(1)
            .maxCount(1)
            .placement(p -> p.availabilityZone(spec.zone()))
            .keyName(spec.keyName())
            .instanceType(spec.instanceType())
            .networkInterfaces(network(spec))
            .monitoring(m -> m.enabled(spec.monitoring()))
            .ebsOptimized(spec.ebsOptimized())
            .blockDeviceMappings(rootDevice(spec))
            .tagSpecifications(
                tagSpec(ResourceType.INSTANCE, spec.tags()),
                tagSpec(ResourceType.VOLUME, spec.tags()))
            .clientToken(spec.clientToken());
    if (!spec.iamInstanceProfile().isEmpty()) {
      r.iamInstanceProfile(i -> i.name(spec.iamInstanceProfile()));
    }
    if (!spec.userDataBase64().isEmpty()) {
      r.userData(spec.userDataBase64());
    }
    return r.build();
  }

  /** RequestSpotInstances of one instance; its tags are set once the request is fulfilled. */
  static RequestSpotInstancesRequest spot(
      Ec2Api.LaunchSpec spec, String price, long blockDurationMinutes) {
    RequestSpotInstancesRequest.Builder r =
        RequestSpotInstancesRequest.builder()
            .instanceCount(1)
            .spotPrice(price)
            .clientToken(spec.clientToken())
            .launchSpecification(
                l -> {
                  l.imageId(spec.ami())
                      .placement(p -> p.availabilityZone(spec.zone()))
                      .keyName(spec.keyName())
                      .instanceType(spec.instanceType())
                      .networkInterfaces(network(spec))
                      .monitoring(m -> m.enabled(spec.monitoring()))
                      .ebsOptimized(spec.ebsOptimized())
                      .blockDeviceMappings(rootDevice(spec));
                  if (!spec.iamInstanceProfile().isEmpty()) {
                    l.iamInstanceProfile(i -> i.name(spec.iamInstanceProfile()));
                  }
                  if (!spec.userDataBase64().isEmpty()) {
                    l.userData(spec.userDataBase64());
                  }
                });
    if (blockDurationMinutes > 0) {
      r.blockDurationMinutes((int) blockDurationMinutes);
    }
    return r.build();
  }
}
