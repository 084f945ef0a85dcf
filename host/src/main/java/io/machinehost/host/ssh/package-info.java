/**
 * Host-side glue for {@code machine ssh} and {@code machine scp}: machine paths on the command
 * line, the system {@code scp} and {@code rsync} command lines, child processes on the CLI's own
 * streams, and the local terminal's raw mode for the native shell. The SSH clients themselves are
 * the SDK's ({@link io.machinehost.sdk.ssh}).
 */
package io.machinehost.host.ssh;
