package io.machinehost.sdk;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** Writes and reads a driver's fields as its JSON config. */
final class DriverConfigCodec {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .visibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
          .visibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .configure(MapperFeature.PROPAGATE_TRANSIENT_MARKER, true)
          .build();

  private DriverConfigCodec() {}

  static String write(Object driver) throws DriverException {
    try {
      return MAPPER.writeValueAsString(driver);
    } catch (JsonProcessingException e) {
      throw DriverException.internal("cannot write the driver config: %s", e.getOriginalMessage())
          .withCause(e);
    }
  }

  static void read(Object driver, String json) throws DriverException {
    if (json == null || json.isBlank()) {
      return;
    }
    try {
      MAPPER.readerForUpdating(driver).readValue(json);
    } catch (JsonProcessingException e) {
      throw DriverException.invalidArgument(
              null, "the machine's driver config is not valid: %s", e.getOriginalMessage())
          .withCause(e);
    }
  }
}
