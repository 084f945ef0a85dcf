package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.machinehost.host.certs.CertificateStore;
import io.machinehost.host.legacy.GoPrograms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code machine import} of a docker-machine store written here in ConfigVersion 3 format (as
 * docker-machine 0.16 writes it: docker-machine.md §7), then {@code ls}, {@code env}, {@code rm} on
 * the imported machines through the legacy bridge and the native none driver.
 */
@Timeout(120)
class DockerMachineImportIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path temp;
  private Path source;
  private Path cloud;
  private MachineProcess machine;

  @BeforeEach
  void fixture() throws Exception {
    source = temp.resolve("docker-machine");
    cloud = temp.resolve("cloud");
    Path plugins = temp.resolve("plugins");
    GoPrograms.legacyDriver(plugins, "docker-machine-driver-legacytest");
    machine =
        new MachineProcess(temp.resolve("store"))
            .env("MACHINE_PLUGIN_PATH", plugins.toString())
            .env("LEGACYTEST_CLOUD", cloud.toString());

    // The CA, client and server certificates docker-machine would have made.
    CertificateStore ca = new CertificateStore(temp.resolve("ca-maker"));
    ca.ensureClientCertificates(false);
    Path certs = Files.createDirectories(source.resolve("certs"));
    for (String f : List.of("ca.pem", "ca-key.pem", "cert.pem", "key.pem")) {
      Files.copy(ca.certsDir().resolve(f), certs.resolve(f));
    }
    Path lt1 = Files.createDirectories(source.resolve("machines/lt1"));
    // server.pem and server-key.pem, with ca.pem, cert.pem and key.pem beside them.
    ca.issueServerCertificate(lt1, List.of("127.0.0.1", "localhost"));
    Files.writeString(lt1.resolve("id_rsa"), "not a real key\n");
    Files.writeString(lt1.resolve("id_rsa.pub"), "ssh-rsa AAAA test\n");
    Files.writeString(
        lt1.resolve("config.json"),
        config(
            "lt1",
            "legacytest",
            Map.of(
                "MachineName",
                "lt1",
                "StorePath",
                source.toString(),
                "IPAddress",
                "127.0.0.1",
                "SSHUser",
                "docker",
                "SSHPort",
                22,
                "SSHKeyPath",
                lt1.resolve("id_rsa").toString(),
                "CPUs",
                2,
                "APIToken",
                "tok-123")));
    Files.createDirectories(cloud);
    Files.writeString(cloud.resolve("lt1"), "1"); // its instance, Running

    Path none = Files.createDirectories(source.resolve("machines/dev"));
    Files.writeString(
        none.resolve("config.json"),
        config(
            "dev",
            "none",
            Map.of(
                "MachineName", "dev",
                "StorePath", source.toString(),
                "URL", "tcp://127.0.0.1:2376",
                "IPAddress", "127.0.0.1:2376",
                "SwarmMaster", false)));

    Files.writeString(
        Files.createDirectories(source.resolve("machines/broken")).resolve("config.json"),
        "{ not json");
    Files.writeString(
        Files.createDirectories(source.resolve("machines/old")).resolve("config.json"),
        "{\"ConfigVersion\": 1, \"Driver\": {}, \"DriverName\": \"none\", \"Name\": \"old\"}");
  }

  // A config.json as docker-machine 0.16 writes it (abridged to what it always has).
  private String config(String name, String driver, Map<String, Object> driverConfig)
      throws IOException {
    String s = source.toString();
    Map<String, Object> auth = new TreeMap<>();
    auth.put("CertDir", s + "/certs");
    auth.put("CaCertPath", s + "/certs/ca.pem");
    auth.put("CaPrivateKeyPath", s + "/certs/ca-key.pem");
    auth.put("ClientKeyPath", s + "/certs/key.pem");
    auth.put("ClientCertPath", s + "/certs/cert.pem");
    auth.put("ServerCertPath", s + "/machines/" + name + "/server.pem");
    auth.put("ServerKeyPath", s + "/machines/" + name + "/server-key.pem");
    auth.put("ServerCertSANs", List.of());
    auth.put("StorePath", s + "/machines/" + name);
    Map<String, Object> engine = new TreeMap<>();
    engine.put("ArbitraryFlags", List.of());
    engine.put("Env", List.of());
    engine.put("InsecureRegistry", List.of());
    engine.put("Labels", List.of("env=test"));
    engine.put("RegistryMirror", List.of());
    engine.put("StorageDriver", "");
    engine.put("TlsVerify", true);
    engine.put("InstallURL", "https://get.docker.com");
    return JSON.writerWithDefaultPrettyPrinter()
        .writeValueAsString(
            Map.of(
                "ConfigVersion",
                3,
                "Driver",
                driverConfig,
                "DriverName",
                driver,
                "HostOptions",
                Map.of(
                    "Driver",
                    "",
                    "Memory",
                    0,
                    "Disk",
                    0,
                    "EngineOptions",
                    engine,
                    "AuthOptions",
                    auth),
                "Name",
                name));
  }

  private Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        files.put(
            root.relativize(p).toString(),
            mode + (Files.isRegularFile(p) ? ":" + Files.readString(p) : ""));
      }
    }
    return files;
  }

  @Test
  void import_store_machinesWorkAndSourceUntouched() throws Exception {
    Map<String, String> before = snapshot(source);

    MachineProcess.Result r = machine.run("import", "--from", source.toString());

    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    assertThat(r.out())
        .contains("Imported \"dev\" (driver none)", "Imported \"lt1\" (driver legacytest)")
        .contains("2 imported, 2 skipped");
    assertThat(r.err())
        .contains("Skipped \"broken\":", "is not valid JSON")
        .contains("Skipped \"old\":", "ConfigVersion 1");
    assertThat(snapshot(source)).isEqualTo(before);

    Path lt1 = machine.machineDir("lt1");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(lt1.resolve("id_rsa"))))
        .isEqualTo("rw-------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(lt1.resolve("server-key.pem"))))
        .isEqualTo("rw-------");
    JsonNode record = JSON.readTree(lt1.resolve("config.json").toFile());
    assertThat(record.path("Driver").path("StorePath").asText())
        .isEqualTo(temp.resolve("store").toString());
    assertThat(record.path("Driver").path("SSHKeyPath").asText())
        .isEqualTo(lt1.resolve("id_rsa").toString());
    assertThat(record.path("Driver").path("CPUs").asInt()).isEqualTo(2);
    assertThat(machine.run("inspect", "lt1").out()).doesNotContain("tok-123");
    assertThat(temp.resolve("store/certs/ca.pem"))
        .hasSameBinaryContentAs(source.resolve("certs/ca.pem"));

    MachineProcess.Result ls = machine.run("ls");
    assertThat(ls.out())
        .contains("dev    -        none         Running   tcp://127.0.0.1:2376")
        .contains("lt1    -        legacytest   Running   tcp://127.0.0.1:2376");

    MachineProcess.Result env = machine.run("env", "lt1");
    assertThat(env.exitCode()).as(env.err()).isZero();
    assertThat(env.out())
        .contains("DOCKER_HOST=\"tcp://127.0.0.1:2376\"")
        .contains("DOCKER_CERT_PATH=\"" + lt1 + "\"");

    assertThat(machine.run("rm", "-y", "lt1").exitCode()).isZero();
    assertThat(cloud.resolve("lt1")).doesNotExist();
    assertThat(machine.run("rm", "-y", "dev").exitCode()).isZero();
    assertThat(snapshot(source)).isEqualTo(before);
  }

  @Test
  void import_nameTaken_refusedUnlessRenameOrForce() throws Exception {
    assertThat(machine.run("create", "-d", "none", "--url", "tcp://127.0.0.1:9", "dev").exitCode())
        .isZero();

    MachineProcess.Result refused = machine.run("import", "--from", source.toString(), "dev");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("machine \"dev\" exists already", "--rename", "--force");
    assertThat(machine.run("url", "dev").out()).isEqualTo("tcp://127.0.0.1:9\n");

    MachineProcess.Result renamed =
        machine.run("import", "--from", source.toString(), "--rename", "dev");
    assertThat(renamed.exitCode()).as(renamed.err()).isZero();
    assertThat(renamed.out()).contains("Imported \"dev-2\"", "renamed from \"dev\"");
    assertThat(machine.run("url", "dev-2").out()).isEqualTo("tcp://127.0.0.1:2376\n");

    MachineProcess.Result forced =
        machine.run("import", "--from", source.toString(), "--force", "dev");
    assertThat(forced.exitCode()).as(forced.err()).isZero();
    assertThat(machine.run("url", "dev").out()).isEqualTo("tcp://127.0.0.1:2376\n");
  }
}
