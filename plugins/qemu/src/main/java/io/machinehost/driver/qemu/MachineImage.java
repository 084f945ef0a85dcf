package io.machinehost.driver.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.Operation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The base image a machine's disk overlays: the Debian image the driver builds from its recipe
 * ({@code build-image.sh}, in the jar) under {@code <storage>/cache/qemu/debian-12-<recipe hash>},
 * or one given with {@code --qemu-image}. A built image is a directory of {@code disk.qcow2} (an
 * ext4 root filesystem), {@code vmlinuz}, {@code initrd.img} and {@code cmdline}, which QEMU boots
 * directly; a plain disk file boots with its own boot loader.
 *
 * @param disk the disk image
 * @param format its format, as qemu-img names it ({@code qcow2}, {@code raw})
 * @param virtualSize its size in bytes as the VM sees it
 * @param kernel the kernel to boot directly, if any
 * @param initrd its initramfs
 * @param cmdline its command line
 */
record MachineImage(
    Path disk,
    String format,
    long virtualSize,
    Optional<Path> kernel,
    Optional<Path> initrd,
    String cmdline) {
  static final String RECIPE = "build-image.sh";
  static final String DISK = "disk.qcow2";
  static final String KERNEL = "vmlinuz";
  static final String INITRD = "initrd.img";
  static final String CMDLINE = "cmdline";

  /** No boot loader and file system fit in less. */
  private static final long MIN_DISK = 1L << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Returns the recipe's bytes. */
  static byte[] recipe() {
    try (InputStream in = MachineImage.class.getResourceAsStream(RECIPE)) {
      if (in == null) {
        throw new IllegalStateException("the image recipe " + RECIPE + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns the first 16 hex digits of the recipe's SHA-256, as the recipe computes them. */
  static String recipeHash() {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(recipe()))
          .substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns the store's image cache, {@code <storage>/cache/qemu}. */
  static Path cacheDir(String storePath) {
    return Path.of(storePath, "cache", "qemu");
  }

  /** Returns where the built default image lives in a store. */
  static Path defaultDir(String storePath) {
    return cacheDir(storePath).resolve("debian-12-" + recipeHash());
  }

  /** Returns whether a directory holds a built image. */
  static boolean isBuilt(Path dir) {
    return Files.isRegularFile(dir.resolve(DISK))
        && Files.isRegularFile(dir.resolve(KERNEL))
        && Files.isRegularFile(dir.resolve(INITRD));
  }

  /**
   * Checks an image given with {@code --qemu-image} exists and is readable.
   *
   * @return its absolute path
   */
  static Path checkGiven(String given) throws DriverException {
    Path path = Path.of(given.strip()).toAbsolutePath().normalize();
    if (Files.isDirectory(path)) {
      if (!isBuilt(path)) {
        throw DriverException.invalidArgument(
            QemuFlags.IMAGE,
            "--%s %s is a directory without %s, %s and %s: give a directory \"make vm-image\""
                + " built, or a disk image file",
            QemuFlags.IMAGE,
            path,
            DISK,
            KERNEL,
            INITRD);
      }
    } else if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw DriverException.invalidArgument(
          QemuFlags.IMAGE,
          "--%s %s does not exist or cannot be read: give a qcow2 or raw disk image, or leave"
              + " --%s out to use the built Debian image",
          QemuFlags.IMAGE,
          path,
          QemuFlags.IMAGE);
    }
    return path;
  }

  /** Reads an image: a built directory or a disk file, asking qemu-img for format and size. */
  static MachineImage read(Path path, Path qemuImg) throws DriverException {
    boolean dir = Files.isDirectory(path);
    Path disk = dir ? path.resolve(DISK) : path;
    Programs.Result info =
        Programs.run(
            List.of(qemuImg.toString(), "info", "--output=json", "-U", disk.toString()),
            Duration.ofSeconds(60));
    if (info.exitCode() != 0) {
      throw DriverException.invalidArgument(
          QemuFlags.IMAGE, "%s is not a disk image qemu-img can read: %s", disk, info.tail());
    }
    JsonNode json;
    try {
      json = JSON.readTree(info.out());
    } catch (IOException e) {
      throw DriverException.internal("qemu-img info %s printed no JSON: %s", disk, info.out());
    }
    if (json.path("virtual-size").asLong() < MIN_DISK) {
      throw DriverException.invalidArgument(
          QemuFlags.IMAGE,
          "%s is not a bootable disk image: it holds %d bytes; give a qcow2 or raw disk, or a"
              + " directory \"make vm-image\" built",
          disk,
          json.path("virtual-size").asLong());
    }
    if (!dir) {
      return new MachineImage(
          disk,
          json.path("format").asText("raw"),
          json.path("virtual-size").asLong(),
          Optional.empty(),
          Optional.empty(),
          "");
    }
    String cmdline;
    try {
      Path file = path.resolve(CMDLINE);
      cmdline =
          Files.isRegularFile(file)
              ? Files.readString(file).strip()
              : "root=/dev/vda rw console=ttyS0";
    } catch (IOException e) {
      throw DriverException.unavailable(
          "cannot read %s: %s", path.resolve(CMDLINE), e.getMessage());
    }
    return new MachineImage(
        disk,
        json.path("format").asText("qcow2"),
        json.path("virtual-size").asLong(),
        Optional.of(path.resolve(KERNEL)),
        Optional.of(path.resolve(INITRD)),
        cmdline);
  }

  /**
   * Builds the default image into the store's cache, reporting the recipe's progress; a build
   * another process runs is waited for. Cancelling the operation stops the build, which removes its
   * work directory.
   *
   * @return the image's directory
   */
  static Path build(String storePath, Operation operation) throws DriverException {
    Path cache = cacheDir(storePath);
    Path out = defaultDir(storePath);
    Path script = cache.resolve("build-image-" + recipeHash() + ".sh");
    try {
      Files.createDirectories(cache);
      Path tmp = Files.createTempFile(cache, ".recipe", ".sh");
      Files.write(tmp, recipe());
      Files.move(tmp, script, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw DriverException.unavailable(
          "cannot write the image recipe into %s: %s", cache, e.getMessage());
    }
    operation.progress(
        "image", "No machine image in " + cache + " yet: building it from Debian packages", 0.0);
    Process process;
    try {
      process = new ProcessBuilder("bash", script.toString(), cache.toString()).start();
    } catch (IOException e) {
      throw DriverException.unavailable("cannot run the image recipe: %s", e.getMessage());
    }
    operation.onCancel(() -> stop(process));
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(
            () -> {
              try (InputStream in = process.getErrorStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                return "";
              }
            });
    try (BufferedReader lines =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        String[] parts = line.split("\\|", 3);
        if (parts.length == 3) {
          operation.progress("image-" + parts[0], parts[2], parseFraction(parts[1]));
        }
      }
      int exit = process.waitFor();
      if (operation.isCancelled()) {
        throw DriverException.cancelled("building the machine image was cancelled");
      }
      if (exit != 0) {
        String why = err.join().strip();
        throw exit == 2
            ? DriverException.failedPrecondition("%s", why)
            : DriverException.unavailable(
                "building the machine image failed (run \"make vm-image\" to see it build, or"
                    + " give --%s): %s",
                QemuFlags.IMAGE, why);
      }
    } catch (IOException e) {
      stop(process);
      throw DriverException.unavailable("reading the image build's progress: %s", e.getMessage());
    } catch (InterruptedException e) {
      stop(process);
      Thread.currentThread().interrupt();
      throw DriverException.cancelled("building the machine image was cancelled");
    }
    if (!isBuilt(out)) {
      throw DriverException.internal("the image recipe ended but %s holds no image", out);
    }
    return out;
  }

  private static double parseFraction(String value) {
    try {
      return Math.max(0, Math.min(1, Double.parseDouble(value)));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Ends the build: its children (debootstrap) first, then the script, whose trap cleans up. */
  private static void stop(Process process) {
    List<ProcessHandle> children = new ArrayList<>(process.descendants().toList());
    children.forEach(ProcessHandle::destroy);
    process.destroy();
  }
}
