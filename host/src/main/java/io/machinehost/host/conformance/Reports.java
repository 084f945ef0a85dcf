package io.machinehost.host.conformance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/** Writes conformance results as JSON or as a JUnit XML report. */
public final class Reports {
  private Reports() {}

  /** Writes a JSON report: the driver, counts, and every check. */
  public static void writeJson(Path file, String driver, List<CheckResult> results)
      throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = mapper.createObjectNode();
    root.put("driver", driver);
    root.put("passed", count(results, CheckResult.Outcome.PASS));
    root.put("failed", count(results, CheckResult.Outcome.FAIL));
    root.put("skipped", count(results, CheckResult.Outcome.SKIP));
    ArrayNode checks = root.putArray("checks");
    for (CheckResult r : results) {
      ObjectNode c = checks.addObject();
      c.put("name", r.name());
      c.put("group", r.group());
      c.put("outcome", r.outcome().name());
      c.put("reason", r.reason());
      c.put("millis", r.duration().toMillis());
    }
    mapper.writeValue(file.toFile(), root);
  }

  /** Writes a JUnit XML report, one test case per check. */
  public static void writeJunit(Path file, String driver, List<CheckResult> results)
      throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
      xml.writeStartDocument("UTF-8", "1.0");
      xml.writeStartElement("testsuite");
      xml.writeAttribute("name", "machine plugin test " + driver);
      xml.writeAttribute("tests", Integer.toString(results.size()));
      xml.writeAttribute("failures", Long.toString(count(results, CheckResult.Outcome.FAIL)));
      xml.writeAttribute("skipped", Long.toString(count(results, CheckResult.Outcome.SKIP)));
      for (CheckResult r : results) {
        xml.writeStartElement("testcase");
        xml.writeAttribute("classname", "machine-driver-" + driver + "." + r.group());
        xml.writeAttribute("name", r.name());
        xml.writeAttribute(
            "time", String.format(Locale.ROOT, "%.3f", r.duration().toMillis() / 1000.0));
        if (r.outcome() == CheckResult.Outcome.FAIL) {
          xml.writeStartElement("failure");
          xml.writeAttribute("message", r.reason());
          xml.writeCharacters(r.reason());
          xml.writeEndElement();
        } else if (r.outcome() == CheckResult.Outcome.SKIP) {
          xml.writeStartElement("skipped");
          xml.writeAttribute("message", r.reason());
          xml.writeEndElement();
        }
        xml.writeEndElement();
      }
      xml.writeEndElement();
      xml.writeEndDocument();
      xml.close();
    } catch (XMLStreamException e) {
      throw new IOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  static long count(List<CheckResult> results, CheckResult.Outcome outcome) {
    return results.stream().filter(r -> r.outcome() == outcome).count();
  }
}
