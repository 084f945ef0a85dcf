package io.machinehost.host.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of Go's text/template that docker-machine's {@code --format} users write: {@code
 * {{.Field}}} and {@code {{.A.B}}} paths into a JSON value, {@code {{json .X}}} for JSON text, and
 * the {@code \t} and {@code \n} escapes. A {@code table} prefix prints a header row and aligns
 * columns.
 */
final class Template {
  private static final Pattern ACTION = Pattern.compile("\\{\\{\\s*(json\\s+)?(\\.[^}\\s]*)\\s*}}");
  private static final Pattern VALID =
      Pattern.compile("(?:[^{]|\\{(?!\\{)|" + ACTION.pattern() + ")*");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String text;
  private final boolean table;

  private Template(String text, boolean table) {
    this.text = text;
    this.table = table;
  }

  /**
   * Parses a template.
   *
   * @throws CliException if it has an action this subset does not know, naming it
   */
  static Template parse(String format) throws CliException {
    String body = format;
    boolean table = false;
    if (body.startsWith("table")) {
      table = true;
      body = body.substring("table".length()).stripLeading();
    }
    body = body.replace("\\t", "\t").replace("\\n", "\n");
    if (!VALID.matcher(body).matches()) {
      throw new CliException(
          io.machinehost.host.ExitCodes.USAGE,
          "template \""
              + format
              + "\" is not understood: use {{.Field}}, {{.Field.Sub}} or {{json .Field}}, e.g."
              + " --format \"{{.Name}}\\t{{.State}}\"",
          null);
    }
    return new Template(body, table);
  }

  /** Returns whether the template starts with {@code table}. */
  boolean isTable() {
    return table;
  }

  /** Fills the template with a value. */
  String render(JsonNode value) {
    Matcher m = ACTION.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      JsonNode node = value;
      for (String part : m.group(2).substring(1).split("\\.", -1)) {
        if (!part.isEmpty()) {
          node = node.path(part);
        }
      }
      String replacement;
      if (m.group(1) != null) {
        replacement = node.isMissingNode() ? "null" : node.toString();
      } else if (node.isValueNode()) {
        replacement = node.asText();
      } else if (node.isMissingNode() || node.isNull()) {
        replacement = "<no value>";
      } else {
        replacement = node.toString();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Renders the fields' header names in place of each action, for a table's first row. */
  String header(java.util.function.UnaryOperator<String> headerOf) {
    Matcher m = ACTION.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(headerOf.apply(m.group(2).substring(1))));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** Splits rendered lines into cells at tabs, for a {@link Table}. */
  static List<String> cells(String line) {
    return new ArrayList<>(List.of(line.split("\t", -1)));
  }

  static ObjectMapper json() {
    return JSON;
  }
}
