/**
 * Testing drivers: {@link io.machinehost.sdk.testing.DriverHarness} serves a driver through the
 * real gRPC service and error mapping in process, with no plugin process, sockets or JUnit
 * dependency.
 */
package io.machinehost.sdk.testing;
