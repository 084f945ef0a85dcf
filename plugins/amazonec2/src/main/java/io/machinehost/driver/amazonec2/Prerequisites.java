package io.machinehost.driver.amazonec2;

import io.machinehost.sdk.DriverException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What must hold before a machine is made, checked through the API and recorded in the driver: the
 * credentials work, the zone is the region's, the VPC and subnet exist and belong together, the
 * image exists (or the newest Ubuntu LTS image is found), and the key pair is free (or, with {@code
 * --amazonec2-keypair-name}, exists). Each failure names the flag to fix.
 */
final class Prerequisites {
  /** Canonical's account, the owner of the official Ubuntu images. */
  static final String UBUNTU_OWNER = "099720109477";

  static final String UBUNTU_IMAGES = "ubuntu/images/hvm-ssd*/ubuntu-*-amd64-server-*";
  private static final Pattern LTS = Pattern.compile(".*-(\\d\\d)\\.04-amd64-server-.*");

  private final AmazonEc2Driver d;
  private final Ec2Api api;

  Prerequisites(AmazonEc2Driver driver, Ec2Api api) {
    this.d = driver;
    this.api = api;
  }

  void check() throws DriverException {
    List<String> zones = api.availabilityZones();
    network(zones);
    image();
    keyPair();
  }

  private void network(List<String> zones) throws DriverException {
    if (!d.subnetId.isEmpty()) {
      Ec2Api.Subnet subnet =
          api.subnet(d.subnetId)
              .orElseThrow(
                  () ->
                      DriverException.invalidArgument(
                          Ec2Flags.SUBNET_ID,
                          "the subnet %s (--%s or AWS_SUBNET_ID) does not exist in %s",
                          d.subnetId,
                          Ec2Flags.SUBNET_ID,
                          d.region));
      if (!d.vpcId.isEmpty() && !d.vpcId.equals(subnet.vpcId())) {
        throw DriverException.invalidArgument(
            Ec2Flags.SUBNET_ID,
            "the subnet %s (--%s) does not belong to the VPC %s (--%s) but to %s",
            d.subnetId,
            Ec2Flags.SUBNET_ID,
            d.vpcId,
            Ec2Flags.VPC_ID,
            subnet.vpcId());
      }
      d.vpcId = subnet.vpcId();
      d.zone = subnet.zone();
      return;
    }
    if (!zones.contains(d.zone)) {
      throw DriverException.invalidArgument(
          Ec2Flags.ZONE,
          "the zone %s (--%s) is not one of the region %s's: %s",
          d.zone,
          Ec2Flags.ZONE,
          d.region,
          String.join(", ", zones));
    }
    if (d.vpcId.isEmpty()) {
      d.vpcId =
          api.defaultVpc()
              .orElseThrow(
                  () ->
                      DriverException.invalidArgument(
                          Ec2Flags.VPC_ID,
                          "the account has no default VPC in %s: give --%s or --%s",
                          d.region,
                          Ec2Flags.SUBNET_ID,
                          Ec2Flags.VPC_ID));
    } else if (!api.vpcExists(d.vpcId)) {
      throw DriverException.invalidArgument(
          Ec2Flags.VPC_ID,
          "the VPC %s (--%s or AWS_VPC_ID) does not exist in %s",
          d.vpcId,
          Ec2Flags.VPC_ID,
          d.region);
    }
    List<Ec2Api.Subnet> subnets = api.subnets(d.vpcId, d.zone);
    if (subnets.isEmpty()) {
      throw DriverException.invalidArgument(
          Ec2Flags.SUBNET_ID,
          "the VPC %s has no subnet in the zone %s: give --%s, or another --%s",
          d.vpcId,
          d.zone,
          Ec2Flags.SUBNET_ID,
          Ec2Flags.ZONE);
    }
    d.subnetId =
        subnets.stream()
            .filter(Ec2Api.Subnet::defaultForAz)
            .findFirst()
            .orElse(subnets.get(0))
            .id();
  }

  private void image() throws DriverException {
    if (!d.ami.isEmpty()) {
      if (!api.imageExists(d.ami)) {
        throw DriverException.invalidArgument(
            Ec2Flags.AMI,
            "the image %s (--%s or AWS_AMI) does not exist in %s, or this account may not use"
                + " it: give an AMI id of the region",
            d.ami,
            Ec2Flags.AMI,
            d.region);
      }
      return;
    }
    d.ami =
        newestUbuntuLts()
            .orElseThrow(
                () ->
                    DriverException.invalidArgument(
                        Ec2Flags.AMI,
                        "no Ubuntu LTS server image was found in %s: give --%s",
                        d.region,
                        Ec2Flags.AMI));
  }

  private Optional<String> newestUbuntuLts() throws DriverException {
    return api.newestImage(UBUNTU_OWNER, UBUNTU_IMAGES, Prerequisites::isLts);
  }

  /** Returns whether an image name is an Ubuntu LTS server image: an even year's .04. */
  static boolean isLts(String name) {
    Matcher m = LTS.matcher(name);
    return m.matches() && Integer.parseInt(m.group(1)) % 2 == 0;
  }

  private void keyPair() throws DriverException {
    if (d.existingKey) {
      if (!api.keyPairExists(d.keyName)) {
        throw DriverException.invalidArgument(
            Ec2Flags.KEYPAIR_NAME,
            "there is no key pair named %s (--%s) in %s: check the name, or leave the flag out"
                + " to have one made for the machine",
            d.keyName,
            Ec2Flags.KEYPAIR_NAME,
            d.region);
      }
      return;
    }
    if (!d.keyPairImported && api.keyPairExists(d.getMachineName())) {
      throw DriverException.alreadyExists(
          "there is already a key pair named %s in %s: remove it (aws ec2 delete-key-pair"
              + " --key-name %s), use a different machine name, or use it with --%s %s --%s"
              + " PRIVATE_KEY",
          d.getMachineName(),
          d.region,
          d.getMachineName(),
          Ec2Flags.KEYPAIR_NAME,
          d.getMachineName(),
          Ec2Flags.SSH_KEYPATH);
    }
  }
}
