package io.machinehost.host.legacy.gob;

import static io.machinehost.host.legacy.gob.GobType.field;
import static io.machinehost.host.legacy.gob.GobType.struct;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.host.legacy.LegacyTypes;
import io.machinehost.host.legacy.gob.GobType.Basic;
import io.machinehost.host.legacy.gob.GobType.MapOf;
import io.machinehost.host.legacy.gob.GobType.SliceOf;
import io.machinehost.host.legacy.gob.GobType.StructOf;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The codec against Go's own bytes: each golden file was written by encoding/gob in a fresh Go
 * process (host/src/test/go/src/gobgolden; CI regenerates and compares them with golden.sh). The
 * encoder must write the same bytes, and the decoder must read them back as the values sent.
 */
class GobGoldenTest {
  /** One value of a case: its type and the value as given to the encoder. */
  record Value(GobType type, Object value) {}

  static Value v(GobType type, Object value) {
    return new Value(type, value);
  }

  static Map<String, Object> fields(Object... pairs) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put((String) pairs[i], pairs[i + 1]);
    }
    return map;
  }

  static final StructOf INNER =
      struct(
          "inner",
          field("On", Basic.BOOL),
          field("Ratio", Basic.FLOAT),
          field("Blob", Basic.BYTES));
  static final StructOf NESTED =
      struct(
          "nested",
          field("Name", Basic.STRING),
          field(
              "Labels",
              new MapOf(
                  "map[string]map[string][]int",
                  Basic.STRING,
                  new MapOf("", Basic.STRING, new SliceOf("", Basic.INT)))),
          field("Ports", new SliceOf("[]int", Basic.INT)),
          field("Inner", INNER),
          field("Any", Basic.INTERFACE));

  static GobInterface flag(String name, StructOf type, Object... pairs) {
    return GobInterface.of(name, type, fields(pairs));
  }

  static GobInterface rpcFlags(String key, GobInterface value) {
    return GobInterface.of(
        LegacyTypes.RPC_FLAGS_NAME, LegacyTypes.RPC_FLAGS, fields("Values", Map.of(key, value)));
  }

  static Stream<Object[]> cases() {
    SliceOf strings = new SliceOf("", Basic.STRING);
    return Stream.of(
        new Object[] {
          "ints",
          Stream.of(
                  0L,
                  1L,
                  -1L,
                  63L,
                  64L,
                  127L,
                  128L,
                  -129L,
                  256L,
                  1L << 40,
                  Long.MAX_VALUE,
                  Long.MIN_VALUE)
              .map(i -> v(Basic.INT, i))
              .toList()
        },
        new Object[] {
          "uints",
          Stream.of(0L, 7L, 127L, 128L, 255L, 256L, 65535L, -1L).map(u -> v(Basic.UINT, u)).toList()
        },
        new Object[] {
          "basics",
          List.of(
              v(Basic.BOOL, true),
              v(Basic.BOOL, false),
              v(Basic.STRING, ""),
              v(Basic.STRING, "hello"),
              v(Basic.STRING, "héllo ∞"),
              v(Basic.BYTES, new byte[] {0, 1, (byte) 255}),
              v(Basic.FLOAT, 1.5),
              v(Basic.FLOAT, -0.25),
              v(Basic.FLOAT, 17.0))
        },
        new Object[] {
          "slices",
          List.of(
              v(strings, List.of("a", "", "bc")),
              v(new SliceOf("", Basic.INT), List.of(3L, -4L, 0L)),
              v(new SliceOf("", strings), List.of(List.of("x"), List.of(), List.of("y", "z"))))
        },
        new Object[] {
          "maps",
          List.of(
              v(new MapOf("", Basic.STRING, Basic.INT), Map.of("one", 1L)),
              v(
                  new MapOf(
                      "", Basic.STRING, new MapOf("", Basic.STRING, new SliceOf("", Basic.INT))),
                  Map.of("outer", Map.of("inner", List.of(1L, 2L)))))
        },
        new Object[] {
          "struct",
          List.of(
              v(
                  NESTED,
                  fields(
                      "Name", "m1",
                      "Labels", Map.of("a", Map.of("b", List.of(7L))),
                      "Ports", List.of(22L, 2376L),
                      "Inner",
                          fields(
                              "On",
                              true,
                              "Ratio",
                              0.5,
                              "Blob",
                              "xy".getBytes(StandardCharsets.UTF_8)),
                      "Any", GobInterface.of("string", Basic.STRING, "text"))),
              // Go sends a struct-valued field even when it is zero: the encoder is given it empty.
              v(NESTED, fields("Name", "m2", "Inner", fields())))
        },
        new Object[] {
          "flags",
          List.of(
              v(
                  new SliceOf("", Basic.INTERFACE),
                  List.of(
                      flag(
                          LegacyTypes.STRING_FLAG,
                          LegacyTypes.STRING_FLAG_TYPE,
                          "Name",
                          "url",
                          "Usage",
                          "URL of the host",
                          "EnvVar",
                          "NONE_URL",
                          "Value",
                          "tcp://x"),
                      flag(
                          LegacyTypes.INT_FLAG,
                          LegacyTypes.INT_FLAG_TYPE,
                          "Name",
                          "legacytest-cpus",
                          "Usage",
                          "CPUs",
                          "Value",
                          2L),
                      flag(
                          LegacyTypes.BOOL_FLAG,
                          LegacyTypes.BOOL_FLAG_TYPE,
                          "Name",
                          "legacytest-fail",
                          "Usage",
                          "fail",
                          "EnvVar",
                          "LT_FAIL"),
                      flag(
                          LegacyTypes.STRING_SLICE_FLAG,
                          LegacyTypes.STRING_SLICE_FLAG_TYPE,
                          "Name",
                          "legacytest-tag",
                          "Usage",
                          "tags",
                          "Value",
                          List.of("a", "b")),
                      flag(
                          LegacyTypes.STRING_FLAG,
                          LegacyTypes.STRING_FLAG_TYPE,
                          "Name",
                          "second",
                          "Usage",
                          "same type again"))))
        },
        new Object[] {
          "rpcflags",
          List.of(
              v(
                  Basic.INTERFACE,
                  rpcFlags("url", GobInterface.of("string", Basic.STRING, "tcp://127.0.0.1:2376"))),
              v(
                  Basic.INTERFACE,
                  rpcFlags("legacytest-cpus", GobInterface.of("int", Basic.INT, 4L))),
              v(
                  Basic.INTERFACE,
                  rpcFlags("legacytest-fail", GobInterface.of("bool", Basic.BOOL, true))),
              v(
                  Basic.INTERFACE,
                  rpcFlags(
                      "legacytest-tag",
                      GobInterface.of("[]string", LegacyTypes.STRINGS, List.of("x", "y")))),
              v(
                  Basic.INTERFACE,
                  rpcFlags(
                      "legacytest-tag",
                      GobInterface.of("[]string", LegacyTypes.STRINGS, List.of("again")))))
        },
        new Object[] {
          "rpc-requests",
          List.of(
              v(
                  LegacyTypes.REQUEST,
                  fields("ServiceMethod", "RPCServerDriver.GetVersion", "Seq", 0L)),
              v(LegacyTypes.EMPTY, fields()),
              v(
                  LegacyTypes.REQUEST,
                  fields("ServiceMethod", "RPCServerDriver.SetConfigRaw", "Seq", 1L)),
              v(Basic.BYTES, "{\"MachineName\":\"m1\"}".getBytes(StandardCharsets.UTF_8)),
              v(
                  LegacyTypes.REQUEST,
                  fields("ServiceMethod", "RPCServerDriver.GetState", "Seq", 2L)),
              v(LegacyTypes.EMPTY, fields()))
        },
        new Object[] {
          "rpc-responses",
          List.of(
              v(
                  LegacyTypes.RESPONSE,
                  fields("ServiceMethod", "RPCServerDriver.GetVersion", "Seq", 0L)),
              v(Basic.INT, 1L),
              v(
                  LegacyTypes.RESPONSE,
                  fields(
                      "ServiceMethod",
                      "RPCServerDriver.Start",
                      "Seq",
                      1L,
                      "Error",
                      "machine is on fire")),
              v(LegacyTypes.EMPTY, fields()),
              v(LegacyTypes.RESPONSE, fields("ServiceMethod", "RPCServerDriver.GetURL", "Seq", 2L)),
              v(Basic.STRING, "tcp://127.0.0.1:2376"))
        });
  }

  static byte[] golden(String name) throws IOException {
    try (InputStream in = GobGoldenTest.class.getResourceAsStream(name + ".gob")) {
      assertThat(in).as("golden file %s.gob", name).isNotNull();
      return in.readAllBytes();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void encode_goldenCase_writesGoBytes(String name, List<Value> values) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    GobEncoder encoder = new GobEncoder(out);
    for (Value value : values) {
      encoder.encode(value.type(), value.value());
    }
    assertThat(hex(out.toByteArray())).isEqualTo(hex(golden(name)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void decode_goldenCase_readsValuesSent(String name, List<Value> values) throws IOException {
    GobDecoder decoder = new GobDecoder(new ByteArrayInputStream(golden(name)));
    List<String> decoded = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (Value value : values) {
      decoded.add(Render.of(decoder.decode()));
      expected.add(Render.of(Render.asDecoded(value.type(), value.value())));
    }
    assertThat(decoded).containsExactlyElementsOf(expected);
    assertThatThrownBy(decoder::decode).isInstanceOf(EOFException.class);
  }

  static String hex(byte[] bytes) {
    StringBuilder s = new StringBuilder();
    for (byte b : bytes) {
      s.append(String.format("%02x", b & 0xff));
    }
    return s.toString();
  }
}
