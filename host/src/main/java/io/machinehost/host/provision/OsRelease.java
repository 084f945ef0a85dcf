package io.machinehost.host.provision;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A machine's operating system as {@code /etc/os-release} describes it (the freedesktop.org format:
 * {@code KEY=value} lines, values optionally quoted, {@code #} comments).
 *
 * @param id {@code ID}, lower case, e.g. {@code debian}; {@code linux} when missing, as the format
 *     says
 * @param idLike {@code ID_LIKE}, the distributions it derives from, lower case
 * @param versionId {@code VERSION_ID}, e.g. {@code 12}, or empty
 * @param prettyName {@code PRETTY_NAME}, or {@code NAME}, or empty
 */
public record OsRelease(String id, List<String> idLike, String versionId, String prettyName) {
  private static final List<String> SUPPORTED = List.of("debian", "ubuntu");

  /** Copies the list. */
  public OsRelease {
    idLike = List.copyOf(idLike);
  }

  /**
   * Parses the content of {@code /etc/os-release}; unknown keys and malformed lines are skipped.
   */
  public static OsRelease parse(String content) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String raw : content.split("\\R")) {
      String line = raw.strip();
      int eq = line.indexOf('=');
      if (line.isEmpty() || line.startsWith("#") || eq <= 0) {
        continue;
      }
      values.put(line.substring(0, eq).strip(), unquote(line.substring(eq + 1).strip()));
    }
    String id = values.getOrDefault("ID", "").toLowerCase(Locale.ROOT);
    String like = values.getOrDefault("ID_LIKE", "").toLowerCase(Locale.ROOT).strip();
    String pretty = values.getOrDefault("PRETTY_NAME", values.getOrDefault("NAME", ""));
    return new OsRelease(
        id.isEmpty() ? "linux" : id,
        like.isEmpty() ? List.of() : Arrays.asList(like.split("\\s+")),
        values.getOrDefault("VERSION_ID", ""),
        pretty);
  }

  /** Shell-style quotes: double quotes allow backslash escapes, single quotes none. */
  private static String unquote(String value) {
    if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
      return value.substring(1, value.length() - 1);
    }
    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
      StringBuilder out = new StringBuilder();
      String inner = value.substring(1, value.length() - 1);
      for (int i = 0; i < inner.length(); i++) {
        char c = inner.charAt(i);
        if (c == '\\' && i + 1 < inner.length()) {
          c = inner.charAt(++i);
        }
        out.append(c);
      }
      return out.toString();
    }
    return value;
  }

  /**
   * Returns whether provisioning knows this system: Debian, Ubuntu, or a distribution that names
   * one of them in {@code ID_LIKE} (it has apt and Debian's {@code docker.io} package).
   */
  public boolean isSupported() {
    return SUPPORTED.contains(id) || idLike.stream().anyMatch(SUPPORTED::contains);
  }

  /** Returns how a message names this system, e.g. {@code "Debian GNU/Linux 12 (bookworm)"}. */
  public String describe() {
    String name = prettyName.isBlank() ? id : prettyName;
    return name
        + " (ID="
        + id
        + (idLike.isEmpty() ? "" : ", ID_LIKE=" + String.join(" ", idLike))
        + ")";
  }
}
