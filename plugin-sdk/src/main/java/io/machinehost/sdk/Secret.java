package io.machinehost.sdk;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link BaseDriver} config field as secret: the host never prints its value (inspect,
 * logs, errors). Flags are marked with {@link CreateFlag.Builder#secret()} instead.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface Secret {}
