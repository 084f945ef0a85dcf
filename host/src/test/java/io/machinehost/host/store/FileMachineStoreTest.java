package io.machinehost.host.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The store keeps to its own directory, whatever its entries and the names it is given are. */
class FileMachineStoreTest {
  @TempDir Path temp;
  FileMachineStore store;
  Path outside;

  @BeforeEach
  void setUp() throws IOException {
    store = new FileMachineStore(temp.resolve("store"));
    outside = Files.createDirectories(temp.resolve("outside"));
    Files.writeString(outside.resolve("keep"), "precious");
  }

  private MachineRecord record(String name) {
    return new MachineRecord(
        name,
        "none",
        JsonNodeFactory.instance.objectNode().put("URL", "tcp://h:1"),
        MachineRecord.HostOptions.empty(),
        Instant.parse("2026-01-01T00:00:00Z"),
        "");
  }

  private void create(String name) throws StoreException {
    store.reserve(name);
    store.save(record(name));
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", ".", "../outside", "a/b", "/etc", "", "-x", ".hidden", "a b"})
  void machineDir_nameBreakingTheRule_refusedBeforeAnyPath(String name) {
    assertThatThrownBy(() -> store.machineDir(name))
        .isInstanceOf(MachineNames.InvalidNameException.class);
    assertThatThrownBy(() -> store.remove(name))
        .isInstanceOf(MachineNames.InvalidNameException.class);
    assertThat(outside.resolve("keep")).exists();
  }

  @Test
  void machineNames_longestAccepted_oneMoreRefusedWithTheLimit() {
    assertThat(MachineNames.isValid("a".repeat(MachineNames.MAX_LENGTH))).isTrue();
    assertThatThrownBy(() -> MachineNames.check("a".repeat(MachineNames.MAX_LENGTH + 1)))
        .hasMessageContaining("65 characters")
        .hasMessageContaining("at most 64");
  }

  @Test
  void reserve_newStore_rootMachinesAndMachinePrivate() throws Exception {
    create("m1");

    for (Path dir :
        List.of(store.root(), store.root().resolve("machines"), store.machineDir("m1"))) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
          .as(dir.toString())
          .isEqualTo("rwx------");
    }
    assertThat(perms(store.machineDir("m1").resolve("config.json"))).isEqualTo("rw-------");
    assertThat(perms(store.machineDir("m1").resolve(".lock"))).isEqualTo("rw-------");
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void remove_machineDirIsASymlinkOut_removesOnlyTheLink() throws Exception {
    Files.createDirectories(store.root().resolve("machines"));
    Files.createSymbolicLink(store.root().resolve("machines/evil"), outside);

    assertThatThrownBy(() -> store.load("evil"))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CORRUPT))
        .hasMessageContaining("symbolic link");
    store.remove("evil");

    assertThat(store.root().resolve("machines/evil")).doesNotExist();
    assertThat(outside.resolve("keep")).hasContent("precious");
  }

  @Test
  void remove_linkInsideTheMachine_removesTheLinkNotItsTarget() throws Exception {
    create("m1");
    Files.createSymbolicLink(store.machineDir("m1").resolve("out"), outside);

    store.remove("m1");

    assertThat(store.machineDir("m1")).doesNotExist();
    assertThat(outside.resolve("keep")).hasContent("precious");
  }

  @Test
  void load_configIsASymlinkOut_corruptAndNotFollowed() throws Exception {
    store.reserve("m1");
    Path target = Files.writeString(outside.resolve("config.json"), "{}");
    Files.createSymbolicLink(store.machineDir("m1").resolve("config.json"), target);

    assertThatThrownBy(() -> store.load("m1"))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CORRUPT))
        .hasMessageContaining("symbolic link")
        .hasMessageContaining("machine rm -f m1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"null", "[]", "", "{", "42"})
  void load_configNotAnObject_corruptNamingTheNextStep(String content) throws Exception {
    store.reserve("m1");
    Files.writeString(store.machineDir("m1").resolve("config.json"), content);

    assertThatThrownBy(() -> store.load("m1"))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CORRUPT))
        .hasMessageContaining("machine rm -f m1");
  }

  @Test
  void load_hugeConfig_refusedWithoutReadingIt() throws Exception {
    store.reserve("m1");
    try (RandomAccessFile file =
        new RandomAccessFile(store.machineDir("m1").resolve("config.json").toFile(), "rw")) {
      file.setLength(200L << 20); // sparse: costs no disk
    }

    assertThatThrownBy(() -> store.load("m1"))
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.CORRUPT))
        .hasMessageContaining("209715200 bytes")
        .hasMessageContaining("at most 8388608");
  }

  @Test
  void list_oddEntries_brokenOrLeftOutAndTheOthersListed() throws Exception {
    create("good");
    Path machines = store.root().resolve("machines");
    Files.createDirectories(machines.resolve("bad name"));
    Files.createDirectories(machines.resolve(".tmp"));
    Files.writeString(machines.resolve("stray-file"), "x");
    Files.createSymbolicLink(machines.resolve("link"), outside);

    Map<String, StoreEntry> entries =
        store.list().stream().collect(java.util.stream.Collectors.toMap(StoreEntry::name, e -> e));

    assertThat(entries).containsOnlyKeys("good", "bad name", "link");
    assertThat(entries.get("good").record()).isPresent();
    assertThat(entries.get("bad name").problem()).get().asString().contains("naming rule");
    assertThat(entries.get("link").problem()).get().asString().contains("symbolic link");
  }

  @Test
  void list_rootIsAFile_failsNamingIt() throws Exception {
    Path file = Files.writeString(temp.resolve("file"), "x");

    assertThatThrownBy(() -> new FileMachineStore(file).list())
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file + " is not a directory");
  }

  @Test
  void list_missingRoot_empty() throws Exception {
    assertThat(new FileMachineStore(temp.resolve("nothing")).list()).isEmpty();
    assertThat(temp.resolve("nothing")).doesNotExist();
  }

  @Test
  void update_symlinkedMachine_notFoundAndNothingWrittenThere() throws Exception {
    Files.createDirectories(store.root().resolve("machines"));
    Files.createSymbolicLink(store.root().resolve("machines/evil"), outside);

    assertThat(store.exists("evil")).isTrue();
    assertThatThrownBy(() -> store.update("evil", r -> r)).isInstanceOf(StoreException.class);
    assertThat(outside.resolve(".lock")).doesNotExist();
    assertThat(outside).isDirectoryContaining(p -> p.getFileName().toString().equals("keep"));
  }
}
