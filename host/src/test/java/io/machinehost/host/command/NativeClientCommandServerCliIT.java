package io.machinehost.host.command;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every {@link CommandServerCliIT} case with the native front end (dist/native/machine, built by
 * the host module when the system has a C compiler) installed as {@code machine}, the Java one
 * beside it as {@code machine-jvm}, as {@code make install} lays them out.
 */
class NativeClientCommandServerCliIT extends CommandServerCliIT {
  private static Path nativeClient;

  @BeforeAll
  static void nativeClientBuilt() {
    String dist = System.getProperty("machinehost.dist", "../dist");
    nativeClient = Path.of(dist, "native", "machine").toAbsolutePath().normalize();
    Assumptions.assumeTrue(
        Files.isExecutable(nativeClient),
        "the native front end is built only where a C compiler is: " + nativeClient);
  }

  /** Removes the links before the temporary directory goes (JUnit warns about each). */
  @AfterEach
  void unlinkClient() throws IOException {
    Path bin = temp.resolve("native-bin");
    for (String name : new String[] {"machine", "machine-jvm", "machine-driver-none"}) {
      Files.deleteIfExists(bin.resolve(name));
    }
  }

  @Override
  Path clientDir() throws IOException {
    Path bin = temp.resolve("native-bin");
    if (!Files.isDirectory(bin)) {
      Files.createDirectories(bin);
      Files.createSymbolicLink(bin.resolve("machine"), nativeClient);
      Files.createSymbolicLink(bin.resolve("machine-jvm"), MachineProcess.executable("machine"));
      Files.createSymbolicLink(
          bin.resolve("machine-driver-none"), MachineProcess.executable("machine-driver-none"));
    }
    return bin;
  }

  @Override
  void copyClient(Path bin) throws IOException {
    Files.copy(nativeClient, bin.resolve("machine"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(
        MachineProcess.executable("machine"),
        bin.resolve("machine-jvm"),
        StandardCopyOption.COPY_ATTRIBUTES);
    Files.copy(
        MachineProcess.executable("machine-driver-none"),
        bin.resolve("machine-driver-none"),
        StandardCopyOption.COPY_ATTRIBUTES);
    assertThat(bin.resolve("machine")).isExecutable();
  }

  @Override
  String javaLauncher() {
    return "machine-jvm";
  }
}
