package io.machinehost.host.legacy.gob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.machinehost.host.legacy.LegacyTypes;
import io.machinehost.host.legacy.gob.GobType.Basic;
import io.machinehost.host.legacy.gob.GobType.MapOf;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The codec on what the golden files cannot pin down (Go orders maps at random) and on bad input.
 */
class GobCodecTest {
  private static Object roundTrip(GobType type, Object value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new GobEncoder(out).encode(type, value);
    return new GobDecoder(new ByteArrayInputStream(out.toByteArray())).decode();
  }

  @Test
  void roundTrip_rpcFlagsOfEveryKind_keepsEveryValue() throws IOException {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("url", GobInterface.of("string", Basic.STRING, "tcp://h:2376"));
    values.put("cpus", GobInterface.of("int", Basic.INT, -3L));
    values.put("on", GobInterface.of("bool", Basic.BOOL, false));
    values.put("tags", GobInterface.of("[]string", LegacyTypes.STRINGS, List.of("a", "b")));
    values.put("more", GobInterface.of("[]string", LegacyTypes.STRINGS, List.of()));
    GobInterface flags =
        GobInterface.of(
            LegacyTypes.RPC_FLAGS_NAME, LegacyTypes.RPC_FLAGS, Map.of("Values", values));

    Object decoded = roundTrip(Basic.INTERFACE, flags);

    assertThat(Render.of(decoded)).isEqualTo(Render.of(Render.asDecoded(Basic.INTERFACE, flags)));
  }

  @Test
  void encode_sameTypeTwice_definesItOnce() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    GobEncoder encoder = new GobEncoder(out);
    encoder.encode(LegacyTypes.REQUEST, Map.of("ServiceMethod", "A.B", "Seq", 1L));
    int first = out.size();
    encoder.encode(LegacyTypes.REQUEST, Map.of("ServiceMethod", "A.B", "Seq", 2L));

    assertThat(out.size() - first).isLessThan(first / 2);
    GobDecoder decoder = new GobDecoder(new ByteArrayInputStream(out.toByteArray()));
    assertThat(((GobStruct) decoder.decode()).integer("Seq")).isEqualTo(1);
    assertThat(((GobStruct) decoder.decode()).integer("Seq")).isEqualTo(2);
  }

  @Test
  void decode_nilInterface_isNull() throws IOException {
    assertThat(roundTrip(Basic.INTERFACE, null)).isNull();
  }

  @Test
  void decode_multiEntryNestedMap_keepsAll() throws IOException {
    MapOf type = new MapOf("", Basic.STRING, new MapOf("", Basic.STRING, Basic.INT));
    Map<String, Map<String, Long>> value = Map.of("a", Map.of("x", 1L, "y", 2L), "b", Map.of());

    assertThat(roundTrip(type, value)).isEqualTo(value);
  }

  @Test
  void decode_truncatedMessage_failsNamingIt() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new GobEncoder(out).encode(Basic.STRING, "hello world");
    byte[] cut = Arrays.copyOf(out.toByteArray(), out.size() - 3);

    assertThatThrownBy(() -> new GobDecoder(new ByteArrayInputStream(cut)).decode())
        .isInstanceOf(GobException.class)
        .hasMessageContaining("cut short");
  }

  @Test
  void decode_undefinedTypeId_fails() {
    byte[] message = {3, (byte) 0xff, (byte) 0x90, 0}; // a value of type 72, never defined
    assertThatThrownBy(() -> new GobDecoder(new ByteArrayInputStream(message)).decode())
        .isInstanceOf(GobException.class)
        .hasMessageContaining("never defined");
  }

  @Test
  void decode_emptyStream_isEof() {
    assertThatThrownBy(() -> new GobDecoder(new ByteArrayInputStream(new byte[0])).decode())
        .isInstanceOf(EOFException.class);
  }

  @Test
  void encode_valueOfWrongShape_failsNamingType() {
    assertThatThrownBy(() -> new GobEncoder(new ByteArrayOutputStream()).encode(Basic.INT, "x"))
        .isInstanceOf(GobException.class)
        .hasMessageContaining("does not fit");
  }
}
