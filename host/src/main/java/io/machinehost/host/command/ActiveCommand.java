package io.machinehost.host.command;

import io.machinehost.host.ExitCodes;
import io.machinehost.host.driver.MachineDriver;
import io.machinehost.host.store.MachineRecord;
import io.machinehost.host.store.StoreEntry;
import io.machinehost.sdk.DriverException;
import io.machinehost.sdk.MachineState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code machine active}: the running machine whose URL is {@code $DOCKER_HOST}. */
@Command(
    name = "active",
    mixinStandardHelpOptions = true,
    description = "Print the machine DOCKER_HOST points at.")
public final class ActiveCommand extends MachineCommand {
  @Option(
      names = {"-t", "--timeout"},
      paramLabel = "SECONDS",
      defaultValue = "10",
      description = "How long each machine's driver may take to answer (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws CliException {
    String dockerHost = session().env().getOrDefault("DOCKER_HOST", "");
    if (dockerHost.isEmpty()) {
      throw new CliException("no active host: DOCKER_HOST is not set; see \"machine env NAME\"");
    }
    Duration timeout = Duration.ofSeconds(Math.max(1, timeoutSeconds));
    List<CompletableFuture<Optional<String>>> answers = new ArrayList<>();
    List<StoreEntry> entries = session().list();
    LsCommand.startDrivers(session(), entries);
    for (StoreEntry entry : entries) {
      if (entry.record().isEmpty()) {
        continue;
      }
      MachineRecord record = entry.record().get();
      answers.add(
          CompletableFuture.supplyAsync(() -> activeName(record, dockerHost, timeout))
              .completeOnTimeout(
                  Optional.empty(), timeout.toMillis() + 500, TimeUnit.MILLISECONDS));
    }
    for (CompletableFuture<Optional<String>> answer : answers) {
      Optional<String> name = answer.join();
      if (name.isPresent()) {
        out().println(name.get());
        return ExitCodes.OK;
      }
    }
    throw new CliException(
        "no active host found: no running machine has the URL "
            + dockerHost
            + " (see \"machine ls\")");
  }

  private Optional<String> activeName(MachineRecord record, String dockerHost, Duration timeout) {
    try {
      MachineDriver driver = session().driver(record, timeout);
      if (driver.getState() == MachineState.RUNNING && dockerHost.equals(driver.getUrl())) {
        return Optional.of(record.name());
      }
    } catch (DriverException | CliException e) {
      // not this one
    }
    return Optional.empty();
  }
}
