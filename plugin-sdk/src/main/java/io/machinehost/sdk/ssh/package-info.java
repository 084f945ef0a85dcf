/**
 * SSH for drivers and the host, with no SSH library types in its signatures.
 *
 * <ul>
 *   <li>Drivers: {@link io.machinehost.sdk.ssh.SshKeys#generate} a key, {@link
 *       io.machinehost.sdk.ssh.Ssh#waitFor} a new machine, {@link io.machinehost.sdk.ssh.Ssh#run}
 *       commands, {@link io.machinehost.sdk.ssh.Ssh#answers} for the state.
 *   <li>The host: {@link io.machinehost.sdk.ssh.SshjClient} (commands with streams, a shell on a
 *       pseudo-terminal, scp), {@link io.machinehost.sdk.ssh.Scp} between machines, {@link
 *       io.machinehost.sdk.ssh.SystemSsh} for the system {@code ssh}.
 *   <li>Both: host keys pinned on first contact in the machine's {@link
 *       io.machinehost.sdk.ssh.KnownHosts} file; a changed key is refused.
 * </ul>
 *
 * <p>Every failure is a {@link io.machinehost.sdk.DriverException} whose message names {@code
 * user@host:port} and the next step.
 */
package io.machinehost.sdk.ssh;
