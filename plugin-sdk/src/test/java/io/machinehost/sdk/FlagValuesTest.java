package io.machinehost.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlagValuesTest {
  private final List<CreateFlag> flags = new FakeDriver("", "").getCreateFlags();

  @Test
  void validate_onlyRequiredGiven_fillsDefaults() throws DriverException {
    FlagValues values = FlagValues.validate(flags, Map.of("fake-token", "t"));

    assertThat(values.asMap())
        .containsExactly(
            Map.entry("fake-size", 2L),
            Map.entry("fake-token", "t"),
            Map.entry("fake-mode", "fast"));
    assertThat(values.getBool("fake-debug")).isFalse();
    assertThat(values.getStringList("fake-tag")).isEmpty();
  }

  @Test
  void validate_outOfRange_namesFlagAndBounds() {
    DriverException e =
        catchThrowableOfType(
            DriverException.class,
            () -> FlagValues.validate(flags, Map.of("fake-token", "t", "fake-size", 65L)));

    assertThat(e.flag()).contains("fake-size");
    assertThat(e.getMessage()).isEqualTo("flag \"--fake-size\" must be between 1 and 64, not 65");
  }

  @Test
  void validate_notAChoice_listsChoices() {
    DriverException e =
        catchThrowableOfType(
            DriverException.class,
            () -> FlagValues.validate(flags, Map.of("fake-token", "t", "fake-mode", "warp")));

    assertThat(e.getMessage())
        .isEqualTo("flag \"--fake-mode\" must be one of [fast, slow], not \"warp\"");
  }

  @Test
  void validate_wrongType_saysExpectedType() {
    DriverException e =
        catchThrowableOfType(
            DriverException.class,
            () -> FlagValues.validate(flags, Map.of("fake-token", "t", "fake-size", "big")));

    assertThat(e.getMessage()).isEqualTo("flag \"--fake-size\" takes an integer, not \"big\"");
  }

  @Test
  void validate_unknownFlag_listsKnownOnes() {
    DriverException e =
        catchThrowableOfType(
            DriverException.class,
            () -> FlagValues.validate(flags, Map.of("fake-token", "t", "fake-colour", "red")));

    assertThat(e.code()).isEqualTo(DriverException.Code.INVALID_ARGUMENT);
    assertThat(e.flag()).contains("fake-colour");
    assertThat(e.getMessage()).startsWith("unknown flag \"--fake-colour\"");
  }

  @Test
  void createFlag_defaultOfWrongType_rejected() {
    assertThatThrownBy(
            () ->
                new CreateFlag(
                    "x", CreateFlag.Type.INT, "", "", "ten", false, List.of(), null, null, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("default of flag \"x\" is not a INT");
  }
}
