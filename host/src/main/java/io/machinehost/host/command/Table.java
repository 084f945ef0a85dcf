package io.machinehost.host.command;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Left-aligned columns three spaces apart, as Go's tabwriter prints docker-machine's tables. */
final class Table {
  private final List<List<String>> rows = new ArrayList<>();

  /** Adds a row (the first one added is usually the header). */
  Table row(List<String> cells) {
    rows.add(cells);
    return this;
  }

  /** Prints the rows; the last column is not padded. */
  void print(PrintWriter out) {
    int columns = rows.stream().mapToInt(List::size).max().orElse(0);
    int[] widths = new int[columns];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        String cell = row.get(i);
        line.append(cell);
        if (i < row.size() - 1) {
          line.append(" ".repeat(widths[i] - cell.length() + 3));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
