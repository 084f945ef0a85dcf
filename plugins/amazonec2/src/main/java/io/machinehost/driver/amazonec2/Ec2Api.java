package io.machinehost.driver.amazonec2;

import io.machinehost.sdk.DriverException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The EC2 calls the driver makes, in plain Java types. {@link SdkEc2Api} implements it with the AWS
 * SDK; every method throws {@link DriverException} with a code the host understands (see {@link
 * Ec2Errors}), after the client's own retries of throttling and server errors.
 */
interface Ec2Api {

  /** An instance as the driver sees it; {@code state} is EC2's name (pending, running …). */
  record Instance(String id, String state, String publicIp, String privateIp) {}

  /** A subnet and where it is. */
  record Subnet(String id, String vpcId, String zone, boolean defaultForAz) {}

  /** A security group, its ingress rules as {@code PORT/PROTOCOL}, and its tags. */
  record SecurityGroup(
      String id, String name, String vpcId, List<String> ports, Map<String, String> tags) {}

  /** What RunInstances (or a spot request) launches. */
  record LaunchSpec(
      String ami,
      String instanceType,
      String zone,
      String subnetId,
      List<String> securityGroupIds,
      String keyName,
      boolean associatePublicIp,
      String deviceName,
      long rootSize,
      String volumeType,
      String iamInstanceProfile,
      boolean monitoring,
      boolean ebsOptimized,
      String userDataBase64,
      Map<String, String> tags,
      String clientToken) {}

  /**
   * Returns the region's availability zones: a cheap authenticated call, so bad credentials fail
   * before anything is made.
   */
  List<String> availabilityZones() throws DriverException;

  /** Returns the account's default VPC in the region, if it has one. */
  Optional<String> defaultVpc() throws DriverException;

  boolean vpcExists(String vpcId) throws DriverException;

  Optional<Subnet> subnet(String subnetId) throws DriverException;

  /** Returns the VPC's subnets in a zone. */
  List<Subnet> subnets(String vpcId, String zone) throws DriverException;

  boolean imageExists(String imageId) throws DriverException;

  /**
   * Returns the newest available x86_64 image of an owner whose name matches a pattern ({@code *}
   * wildcards) and is accepted.
   */
  Optional<String> newestImage(String owner, String namePattern, Predicate<String> accept)
      throws DriverException;

  boolean keyPairExists(String name) throws DriverException;

  void importKeyPair(String name, byte[] publicKey, Map<String, String> tags)
      throws DriverException;

  /** Returns the names of the key pairs carrying a tag. */
  List<String> keyPairsTagged(String key, String value) throws DriverException;

  /** Deletes a key pair; a missing one is no error. */
  void deleteKeyPair(String name) throws DriverException;

  /** Returns the groups of a VPC that have the given names. */
  List<SecurityGroup> securityGroups(String vpcId, Collection<String> names) throws DriverException;

  Optional<SecurityGroup> securityGroup(String groupId) throws DriverException;

  /** Creates a group and returns its id; ALREADY_EXISTS if the VPC has one of that name. */
  String createSecurityGroup(
      String vpcId, String name, String description, Map<String, String> tags)
      throws DriverException;

  /** Opens ports ({@code PORT/PROTOCOL}) to the world. */
  void authorizeIngress(String groupId, List<String> ports) throws DriverException;

  /** Deletes a group; a missing one is no error. */
  void deleteSecurityGroup(String groupId) throws DriverException;

  /**
   * Returns the instances whose network interfaces use a group; an empty string stands for an
   * interface attached to no instance.
   */
  List<String> groupUsers(String groupId) throws DriverException;

  /** Launches one instance and returns its id. */
  String runInstance(LaunchSpec spec) throws DriverException;

  /** Requests one spot instance and returns the request's id. */
  String requestSpotInstance(LaunchSpec spec, String price, long blockDurationMinutes)
      throws DriverException;

  /** Returns the instance a spot request was fulfilled with, once it is. */
  Optional<String> spotInstanceId(String requestId) throws DriverException;

  /** Cancels a spot request; a missing one is no error. */
  void cancelSpotRequest(String requestId) throws DriverException;

  void createTags(String resourceId, Map<String, String> tags) throws DriverException;

  /** Returns the instance, or empty if EC2 does not know it. */
  Optional<Instance> instance(String instanceId) throws DriverException;

  /** Returns the instances among these ids that EC2 knows. */
  List<Instance> instances(Collection<String> instanceIds) throws DriverException;

  /** Returns the instances, terminated ones excepted, that carry a tag. */
  List<Instance> instancesTagged(String key, String value) throws DriverException;

  void startInstance(String instanceId) throws DriverException;

  void stopInstance(String instanceId, boolean force) throws DriverException;

  void rebootInstance(String instanceId) throws DriverException;

  /** Terminates an instance; a missing one is no error. */
  void terminateInstance(String instanceId) throws DriverException;
}
