package io.machinehost.driver.amazonec2;

import io.machinehost.sdk.CreateFlag;
import io.machinehost.sdk.DriverException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The amazonec2 driver's create flags, named, defaulted and read from the environment as Docker
 * Machine's amazonec2 driver does, plus the checks on their values.
 */
final class Ec2Flags {
  static final String ACCESS_KEY = "amazonec2-access-key";
  static final String SECRET_KEY = "amazonec2-secret-key";
  static final String SESSION_TOKEN = "amazonec2-session-token";
  static final String AMI = "amazonec2-ami";
  static final String REGION = "amazonec2-region";
  static final String VPC_ID = "amazonec2-vpc-id";
  static final String ZONE = "amazonec2-zone";
  static final String SUBNET_ID = "amazonec2-subnet-id";
  static final String SECURITY_GROUP_READONLY = "amazonec2-security-group-readonly";
  static final String SECURITY_GROUP = "amazonec2-security-group";
  static final String OPEN_PORT = "amazonec2-open-port";
  static final String TAGS = "amazonec2-tags";
  static final String INSTANCE_TYPE = "amazonec2-instance-type";
  static final String DEVICE_NAME = "amazonec2-device-name";
  static final String ROOT_SIZE = "amazonec2-root-size";
  static final String VOLUME_TYPE = "amazonec2-volume-type";
  static final String IAM_INSTANCE_PROFILE = "amazonec2-iam-instance-profile";
  static final String SSH_PORT = "amazonec2-ssh-port";
  static final String SSH_USER = "amazonec2-ssh-user";
  static final String REQUEST_SPOT_INSTANCE = "amazonec2-request-spot-instance";
  static final String SPOT_PRICE = "amazonec2-spot-price";
  static final String BLOCK_DURATION_MINUTES = "amazonec2-block-duration-minutes";
  static final String PRIVATE_ADDRESS_ONLY = "amazonec2-private-address-only";
  static final String USE_PRIVATE_ADDRESS = "amazonec2-use-private-address";
  static final String MONITORING = "amazonec2-monitoring";
  static final String USE_EBS_OPTIMIZED_INSTANCE = "amazonec2-use-ebs-optimized-instance";
  static final String SSH_KEYPATH = "amazonec2-ssh-keypath";
  static final String KEYPAIR_NAME = "amazonec2-keypair-name";
  static final String RETRIES = "amazonec2-retries";
  static final String ENDPOINT = "amazonec2-endpoint";
  static final String INSECURE_TRANSPORT = "amazonec2-insecure-transport";
  static final String USERDATA = "amazonec2-userdata";

  static final String DEFAULT_REGION = "us-east-1";
  static final String DEFAULT_ZONE = "a";
  static final String DEFAULT_SECURITY_GROUP = "docker-machine";
  static final String DEFAULT_INSTANCE_TYPE = "t2.micro";
  static final String DEFAULT_DEVICE_NAME = "/dev/sda1";
  static final long DEFAULT_ROOT_SIZE = 16;
  static final String DEFAULT_VOLUME_TYPE = "gp2";
  static final long DEFAULT_SSH_PORT = 22;
  static final String DEFAULT_SSH_USER = "ubuntu";
  static final String DEFAULT_SPOT_PRICE = "0.50";
  static final long DEFAULT_RETRIES = 5;

  private Ec2Flags() {}

  static List<CreateFlag> definitions() {
    return List.of(
        CreateFlag.string(ACCESS_KEY)
            .usage("AWS Access Key (default: the AWS credential chain: env, profile, role)")
            .envVar("AWS_ACCESS_KEY_ID")
            .build(),
        CreateFlag.string(SECRET_KEY)
            .usage("AWS Secret Key")
            .envVar("AWS_SECRET_ACCESS_KEY")
            .secret()
            .build(),
        CreateFlag.string(SESSION_TOKEN)
            .usage("AWS Session Token")
            .envVar("AWS_SESSION_TOKEN")
            .secret()
            .build(),
        CreateFlag.string(AMI)
            .usage("AWS machine image (default: the newest Ubuntu LTS server image of the region)")
            .envVar("AWS_AMI")
            .build(),
        CreateFlag.string(REGION)
            .usage("AWS region")
            .envVar("AWS_DEFAULT_REGION")
            .defaultValue(DEFAULT_REGION)
            .build(),
        CreateFlag.string(VPC_ID)
            .usage("AWS VPC id (default: the subnet's VPC, else the account's default VPC)")
            .envVar("AWS_VPC_ID")
            .build(),
        CreateFlag.string(ZONE)
            .usage("AWS zone for instance (i.e. a,b,c,d,e), or a whole zone name")
            .envVar("AWS_ZONE")
            .defaultValue(DEFAULT_ZONE)
            .build(),
        CreateFlag.string(SUBNET_ID)
            .usage("AWS VPC subnet id (default: the VPC's subnet in the zone)")
            .envVar("AWS_SUBNET_ID")
            .build(),
        CreateFlag.bool(SECURITY_GROUP_READONLY)
            .usage("Skip adding default rules to security groups")
            .envVar("AWS_SECURITY_GROUP_READONLY")
            .defaultValue(false)
            .build(),
        CreateFlag.stringList(SECURITY_GROUP)
            .usage("AWS VPC security group (repeatable; created when missing)")
            .envVar("AWS_SECURITY_GROUP")
            .defaultValue(List.of(DEFAULT_SECURITY_GROUP))
            .build(),
        CreateFlag.stringList(OPEN_PORT)
            .usage(
                "Make the specified port number accessible from the Internet, e.g. 8080 or 53/udp")
            .build(),
        CreateFlag.string(TAGS)
            .usage("AWS Tags (e.g. key1,value1,key2,value2)")
            .envVar("AWS_TAGS")
            .build(),
        CreateFlag.string(INSTANCE_TYPE)
            .usage("AWS instance type")
            .envVar("AWS_INSTANCE_TYPE")
            .defaultValue(DEFAULT_INSTANCE_TYPE)
            .build(),
        CreateFlag.string(DEVICE_NAME)
            .usage("AWS root device name")
            .envVar("AWS_DEVICE_NAME")
            .defaultValue(DEFAULT_DEVICE_NAME)
            .build(),
        CreateFlag.integer(ROOT_SIZE)
            .usage("AWS root disk size (in GB)")
            .envVar("AWS_ROOT_SIZE")
            .defaultValue(DEFAULT_ROOT_SIZE)
            .range(1, 65536)
            .build(),
        CreateFlag.string(VOLUME_TYPE)
            .usage("Amazon EBS volume type")
            .envVar("AWS_VOLUME_TYPE")
            .defaultValue(DEFAULT_VOLUME_TYPE)
            .build(),
        CreateFlag.string(IAM_INSTANCE_PROFILE)
            .usage("AWS IAM Instance Profile")
            .envVar("AWS_INSTANCE_PROFILE")
            .build(),
        CreateFlag.integer(SSH_PORT)
            .usage("SSH port")
            .envVar("AWS_SSH_PORT")
            .defaultValue(DEFAULT_SSH_PORT)
            .range(1, 65535)
            .build(),
        CreateFlag.string(SSH_USER)
            .usage("SSH username")
            .envVar("AWS_SSH_USER")
            .defaultValue(DEFAULT_SSH_USER)
            .build(),
        CreateFlag.bool(REQUEST_SPOT_INSTANCE)
            .usage("Set this flag to request spot instance")
            .defaultValue(false)
            .build(),
        CreateFlag.string(SPOT_PRICE)
            .usage("AWS spot instance bid price (in dollar)")
            .defaultValue(DEFAULT_SPOT_PRICE)
            .build(),
        CreateFlag.integer(BLOCK_DURATION_MINUTES)
            .usage("AWS spot instance duration in minutes (60, 120, 180, 240, 300, or 360)")
            .defaultValue(0)
            .range(0, 360)
            .build(),
        CreateFlag.bool(PRIVATE_ADDRESS_ONLY)
            .usage("Only use a private IP address")
            .defaultValue(false)
            .build(),
        CreateFlag.bool(USE_PRIVATE_ADDRESS)
            .usage("Force the usage of private IP address")
            .defaultValue(false)
            .build(),
        CreateFlag.bool(MONITORING)
            .usage("Set this flag to enable CloudWatch monitoring")
            .defaultValue(false)
            .build(),
        CreateFlag.bool(USE_EBS_OPTIMIZED_INSTANCE)
            .usage("Create an EBS optimized instance")
            .defaultValue(false)
            .build(),
        CreateFlag.string(SSH_KEYPATH)
            .usage("SSH Key for Instance (its public key is KEYPATH.pub)")
            .envVar("AWS_SSH_KEYPATH")
            .build(),
        CreateFlag.string(KEYPAIR_NAME)
            .usage("AWS keypair to use; requires --" + SSH_KEYPATH)
            .envVar("AWS_KEYPAIR_NAME")
            .build(),
        CreateFlag.integer(RETRIES)
            .usage("Set retry count for recoverable failures (use -1 to disable)")
            .defaultValue(DEFAULT_RETRIES)
            .range(-1, 50)
            .build(),
        CreateFlag.string(ENDPOINT)
            .usage("Optional endpoint URL (hostname only or fully qualified URI)")
            .envVar("AWS_ENDPOINT")
            .build(),
        CreateFlag.bool(INSECURE_TRANSPORT)
            .usage("Disable SSL when sending requests")
            .envVar("AWS_INSECURE_TRANSPORT")
            .defaultValue(false)
            .build(),
        CreateFlag.string(USERDATA)
            .usage("path to file with cloud-init user data")
            .envVar("AWS_USERDATA")
            .build());
  }

  /**
   * Checks a region name's shape ({@code us-east-1}, {@code eu-central-2}, {@code us-gov-west-1});
   * whether the region exists is the API's to say.
   */
  static String region(String given) throws DriverException {
    String region = given.trim().toLowerCase(Locale.ROOT);
    if (region.isEmpty()) {
      return DEFAULT_REGION;
    }
    if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d+")) {
      throw DriverException.invalidArgument(
          REGION,
          "--%s \"%s\" is not an AWS region name: give one such as us-east-1 or eu-west-2",
          REGION,
          given);
    }
    return region;
  }

  /**
   * Returns the availability zone: the region followed by a zone letter, or a whole zone name as
   * given.
   */
  static String zone(String region, String given) throws DriverException {
    String zone = given.trim().toLowerCase(Locale.ROOT);
    if (zone.isEmpty()) {
      zone = DEFAULT_ZONE;
    }
    if (zone.matches("[a-z]")) {
      return region + zone;
    }
    if (!zone.matches("[a-z0-9-]+")) {
      throw DriverException.invalidArgument(
          ZONE,
          "--%s \"%s\" is not a zone: give its letter (a, b, c …) or its name, e.g. %sa",
          ZONE,
          given,
          region);
    }
    return zone;
  }

  /**
   * Parses {@code key1,value1,key2,value2} into tags, in order.
   *
   * @throws DriverException INVALID_ARGUMENT for an odd count or an empty key
   */
  static Map<String, String> tags(String given) throws DriverException {
    Map<String, String> tags = new LinkedHashMap<>();
    if (given.isBlank()) {
      return tags;
    }
    String[] parts = given.split(",", -1);
    if (parts.length % 2 != 0) {
      throw DriverException.invalidArgument(
          TAGS,
          "--%s \"%s\" has %d elements: give keys and values in pairs, e.g. owner,alice,team,web",
          TAGS,
          given,
          parts.length);
    }
    for (int i = 0; i < parts.length; i += 2) {
      String key = parts[i].trim();
      if (key.isEmpty()) {
        throw DriverException.invalidArgument(
            TAGS, "--%s \"%s\" has an empty tag key (element %d)", TAGS, given, i + 1);
      }
      tags.put(key, parts[i + 1].trim());
    }
    return tags;
  }

  /**
   * Checks open ports: {@code PORT} or {@code PORT/tcp|udp}.
   *
   * @return the ports as {@code PORT/PROTOCOL}
   */
  static List<String> openPorts(List<String> given) throws DriverException {
    List<String> ports = new ArrayList<>();
    for (String value : given) {
      String trimmed = value.trim().toLowerCase(Locale.ROOT);
      if (trimmed.isEmpty()) {
        continue;
      }
      String[] parts = trimmed.split("/", -1);
      String protocol = parts.length == 2 ? parts[1] : "tcp";
      int port;
      try {
        port = parts.length <= 2 ? Integer.parseInt(parts[0]) : -1;
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535 || !(protocol.equals("tcp") || protocol.equals("udp"))) {
        throw DriverException.invalidArgument(
            OPEN_PORT,
            "--%s \"%s\" is not a port: give a number from 1 to 65535, optionally with /tcp or"
                + " /udp, e.g. 8080 or 53/udp",
            OPEN_PORT,
            value);
      }
      ports.add(port + "/" + protocol);
    }
    return ports;
  }

  /**
   * Returns the endpoint as a URI: a host name alone becomes {@code https://host} ({@code http://}
   * with {@code --amazonec2-insecure-transport}).
   */
  static String endpoint(String given, boolean insecure) throws DriverException {
    String value = given.trim();
    if (value.isEmpty()) {
      if (insecure) {
        throw DriverException.invalidArgument(
            INSECURE_TRANSPORT, "using --%s also requires --%s", INSECURE_TRANSPORT, ENDPOINT);
      }
      return "";
    }
    if (!value.contains("://")) {
      value = (insecure ? "http://" : "https://") + value;
    } else if (insecure && value.startsWith("https://")) {
      value = "http://" + value.substring("https://".length());
    }
    try {
      URI uri = new URI(value);
      if (uri.getHost() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
        throw new URISyntaxException(value, "needs http:// or https:// and a host");
      }
    } catch (URISyntaxException e) {
      throw DriverException.invalidArgument(
          ENDPOINT,
          "--%s \"%s\" is not an endpoint: give a host name or a URL such as"
              + " https://ec2.us-east-1.amazonaws.com or http://127.0.0.1:5000",
          ENDPOINT,
          given);
    }
    return value;
  }

  /** Checks a spot price is a positive decimal number of dollars. */
  static String spotPrice(String given) throws DriverException {
    String value = given.trim().isEmpty() ? DEFAULT_SPOT_PRICE : given.trim();
    if (!value.matches("\\d+(\\.\\d+)?|\\.\\d+") || Double.parseDouble(value) <= 0) {
      throw DriverException.invalidArgument(
          SPOT_PRICE,
          "--%s \"%s\" is not a price: give dollars per hour, e.g. 0.50",
          SPOT_PRICE,
          given);
    }
    return value;
  }

  /** Checks the spot block duration: 0 (none) or a multiple of 60 up to 360. */
  static long blockDuration(long given) throws DriverException {
    if (given != 0 && given % 60 != 0) {
      throw DriverException.invalidArgument(
          BLOCK_DURATION_MINUTES,
          "--%s %d is not one of 60, 120, 180, 240, 300 or 360",
          BLOCK_DURATION_MINUTES,
          given);
    }
    return given;
  }
}
