/**
 * The machinehost plugin SDK: everything a Java driver author uses.
 *
 * <p>A driver extends {@link io.machinehost.sdk.BaseDriver} (Docker Machine's {@code
 * drivers.Driver} in plain Java: {@link io.machinehost.sdk.Driver}), declares its {@link
 * io.machinehost.sdk.CreateFlag}s, fails with {@link io.machinehost.sdk.DriverException}s whose
 * {@link io.machinehost.sdk.DriverException.Code} reaches the host unchanged, reports progress and
 * learns of cancellation through {@link io.machinehost.sdk.Operation}, and is served by {@link
 * io.machinehost.sdk.PluginServer#serve(DriverFactory)} from its {@code main}. {@code
 * io.machinehost.sdk.ssh} reaches machines over SSH; {@code io.machinehost.sdk.testing} runs a
 * driver behind the real gRPC service in process, for unit tests.
 */
package io.machinehost.sdk;
